//! Named actions: what keys (through the keymap), the palette and the help overlay refer to.
//! Write operations are one action each, `Action::Op`, declared in the operation registry
//! (`domain::operation`); the rest move, open views and scroll.

pub use crate::domain::operation::Op;

macro_rules! actions {
    (
        $($variant:ident => $name:literal, $help:literal;)*
        [operations]
        $($after:ident => $aname:literal, $ahelp:literal;)*
    ) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Action {
            $($variant,)*
            /// A write operation of the registry.
            Op(Op),
            $($after,)*
        }

        impl Action {
            const BEFORE: &'static [Action] = &[$(Action::$variant),*];
            const AFTER: &'static [Action] = &[$(Action::$after),*];

            /// Every action, in the order help lists them (the registry's operations among
            /// the cockpit's own).
            pub fn all() -> impl Iterator<Item = Action> {
                Self::BEFORE
                    .iter()
                    .copied()
                    .chain(Op::all().map(Action::Op))
                    .chain(Self::AFTER.iter().copied())
            }

            /// The name used in keymap files and the palette.
            pub fn name(self) -> &'static str {
                match self {
                    $(Action::$variant => $name,)*
                    Action::Op(op) => op.name(),
                    $(Action::$after => $aname,)*
                }
            }

            pub fn help(self) -> &'static str {
                match self {
                    $(Action::$variant => $help,)*
                    Action::Op(op) => op.spec().help,
                    $(Action::$after => $ahelp,)*
                }
            }

            pub fn from_name(name: &str) -> Option<Action> {
                match name {
                    $($name => Some(Action::$variant),)*
                    $($aname => Some(Action::$after),)*
                    _ => Op::from_name(name).map(Action::Op),
                }
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
    ViewAttention => "view-attention", "what needs attention, most urgent first";
    LogFollow => "log-follow", "logs: follow the newest lines on/off";
    LogPrevious => "log-previous", "logs: the previous containers' logs (restarted pods) / the live tail";
    SearchNext => "search-next", "logs: next match of the search";
    SearchPrev => "search-prev", "logs: previous match of the search";
    Copy => "copy", "copy the selected path to the clipboard; in a confirmation, the command line that makes the change";
    CopyImage => "copy-image", "copy the selected service's image to the clipboard";
    [operations]
    CompareNext => "compare-next", "config diff: next environment to compare";
    ComparePrev => "compare-prev", "config diff: previous environment";
    Zoom => "zoom", "topology: detailed / compact nodes";
    PanLeft => "pan-left", "topology: scroll left";
    PanRight => "pan-right", "topology: scroll right";
    PanUp => "pan-up", "scroll up";
    PanDown => "pan-down", "scroll down";
    LanePromote => "lane-promote", "lane: make the selected lane's versions the baseline (callees first, each waiting for ready), then remove it";
    LaneDelete => "lane-delete", "lane: take the selected lane's share back and every service out";
    TrainPromote => "train-promote", "release train: bring the selected environment level with the one before it (callees first, each step gated)";
    TrainPause => "train-pause", "train: pause after the step in flight / go on (a stopped train tries its failed step again)";
    TrainAbort => "train-abort", "train: stop after the step in flight";
    TrainRollback => "train-rollback", "train: roll back the done steps of a stopped train, newest first";
    EnvCreate => "env-create", "environment on demand: make a new environment from the selected one (typed: qa1, or qa1 order+deps,front)";
    EnvDelete => "env-delete", "environment on demand: delete the selected environment (one wheelhouse made; its name typed)";
    Confirm => "confirm", "confirm / accept";
    Cancel => "cancel", "cancel / close";
}

impl Action {
    /// Actions that write to the platform (refused in read-only mode).
    pub fn writes(self) -> bool {
        matches!(
            self,
            Action::Op(_)
                | Action::LanePromote
                | Action::LaneDelete
                | Action::TrainPromote
                | Action::TrainPause
                | Action::TrainRollback
                | Action::EnvCreate
                | Action::EnvDelete
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
        let mut names: Vec<&str> = Action::all().map(|a| a.name()).collect();
        for a in Action::all() {
            assert_eq!(Action::from_name(a.name()), Some(a));
        }
        names.sort();
        names.dedup();
        assert_eq!(names.len(), Action::all().count());
    }
}
