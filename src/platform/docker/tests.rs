//! Unit tests of the Docker platform: assembly from inventories and change plans.
