//! Named actions: what keys (through the keymap), the palette and the help overlay refer to.

use serde::{Deserialize, Serialize};

macro_rules! actions {
    ($($variant:ident => $name:literal, $help:literal;)*) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        pub enum Action { $($variant),* }

        impl Action {
            pub const ALL: &'static [Action] = &[$(Action::$variant),*];

            /// The name used in keymap files and the palette.
            pub fn name(self) -> &'static str {
                match self { $(Action::$variant => $name),* }
            }

            pub fn help(self) -> &'static str {
                match self { $(Action::$variant => $help),* }
            }

            pub fn from_name(name: &str) -> Option<Action> {
                match name { $($name => Some(Action::$variant),)* _ => None }
            }
        }
    };
}

actions! {
    Quit => "quit", "quit wheelhouse";
    Up => "up", "move up";
    Down => "down", "move down";
    Left => "left", "collapse / go to parent";
    Right => "right", "expand / go to first child";
    Top => "top", "go to the first row";
    Bottom => "bottom", "go to the last row";
    Open => "open", "open the selection (service detail)";
    Filter => "filter", "filter the tree";
    Palette => "palette", "command palette";
    Help => "help", "show keys";
    NextView => "next-view", "next view";
    PrevView => "prev-view", "previous view";
    ViewOverview => "view-overview", "product-line overview (versions, drift)";
    ViewService => "view-service", "service detail (releases, replicas, traffic)";
    ViewTopology => "view-topology", "live call topology";
    ViewCapacity => "view-capacity", "capacity and hotspots";
    ViewConfig => "view-config", "config diff between environments";
    ViewEvents => "view-events", "events and activity";
    ViewLogs => "view-logs", "log tail of the selected service";
    ViewImages => "view-images", "images: tags, size, age, base, where they run";
    LogFollow => "log-follow", "logs: follow the newest lines on/off";
    SearchNext => "search-next", "logs: next match of the search";
    SearchPrev => "search-prev", "logs: previous match of the search";
    Deploy => "deploy", "deploy a version";
    StartCanary => "canary-start", "canary: start (or re-version) a canary";
    CanaryWeight => "canary-weight", "set the canary weight";
    CanaryStepUp => "canary-step-up", "canary: next weight step";
    CanaryStepDown => "canary-step-down", "canary: previous weight step";
    AddTagRoute => "add-tag-route", "canary: route a traffic tag";
    RemoveTagRoute => "remove-tag-route", "canary: remove a tag route";
    Promote => "promote", "canary: promote to stable";
    Abort => "abort", "canary: abort (weight 0)";
    Scale => "scale", "scale: set replicas";
    ScaleRecommended => "scale-recommended", "scale: accept the recommendation";
    Rollback => "rollback", "roll back to the previous release";
    Restart => "restart", "restart every replica, one at a time";
    CompareNext => "compare-next", "config diff: next environment to compare";
    ComparePrev => "compare-prev", "config diff: previous environment";
    Zoom => "zoom", "topology: detailed / compact nodes";
    PanLeft => "pan-left", "topology: scroll left";
    PanRight => "pan-right", "topology: scroll right";
    PanUp => "pan-up", "scroll up";
    PanDown => "pan-down", "scroll down";
    Confirm => "confirm", "confirm / accept";
    Cancel => "cancel", "cancel / close";
}

impl Action {
    /// Actions that write to the platform (refused in read-only mode).
    pub fn writes(self) -> bool {
        matches!(
            self,
            Action::Deploy
                | Action::StartCanary
                | Action::CanaryWeight
                | Action::CanaryStepUp
                | Action::CanaryStepDown
                | Action::AddTagRoute
                | Action::RemoveTagRoute
                | Action::Promote
                | Action::Abort
                | Action::Scale
                | Action::ScaleRecommended
                | Action::Rollback
                | Action::Restart
        )
    }

    /// Shown in the palette (movement keys are not).
    pub fn in_palette(self) -> bool {
        !matches!(
            self,
            Action::Up
                | Action::Down
                | Action::Left
                | Action::Right
                | Action::Top
                | Action::Bottom
                | Action::Confirm
                | Action::Cancel
                | Action::Palette
                | Action::PanLeft
                | Action::PanRight
                | Action::PanUp
                | Action::PanDown
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_are_unique() {
        let mut names: Vec<&str> = Action::ALL.iter().map(|a| a.name()).collect();
        for a in Action::ALL {
            assert_eq!(Action::from_name(a.name()), Some(*a));
        }
        names.sort();
        names.dedup();
        assert_eq!(names.len(), Action::ALL.len());
    }
}
