//! Inputs behave as in a shell (issue "On call", point 3): pre-filled values are replaced
//! by typing, the cursor moves and the cut keys work in prompts, the filter and the
//! palette; the palette keeps a history and takes an action with its arguments.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a test may fail loudly

mod support;

use support::Harness;
use wheelhouse::app::Mode;
use wheelhouse::domain::Change;

fn confirmed_change(h: &Harness) -> Change {
    match &h.state.mode {
        Mode::Confirm(c) => c.request.change.clone(),
        other => panic!("a confirmation expected, got {other:?}"),
    }
}

fn a_service(h: &mut Harness) -> Vec<String> {
    let line = h.state.snapshot.product_lines[0].clone();
    let env = &line.environments[0];
    let path = vec![
        line.name.clone(),
        env.name.clone(),
        env.services[0].name.clone(),
    ];
    let refs: Vec<&str> = path.iter().map(String::as_str).collect();
    h.select(&refs);
    path
}

#[test]
fn typing_over_a_prefilled_value_replaces_it() {
    let mut h = Harness::new("input-replace");
    h.advance(2);
    a_service(&mut h);
    h.keys("s");
    let Mode::Prompt(p) = &h.state.mode else {
        panic!("{:?}", h.state.mode)
    };
    assert!(p.input.is_selected(), "the current replicas start selected");
    h.type_text("3");
    h.keys("enter");
    assert_eq!(
        confirmed_change(&h),
        Change::Scale { replicas: 3 },
        "not 13 or 23"
    );
}

#[test]
fn the_cursor_and_cut_keys_work_in_a_prompt_and_the_filter() {
    let mut h = Harness::new("input-keys");
    h.advance(2);
    a_service(&mut h);
    h.keys("s end");
    h.type_text("0");
    h.keys("home delete");
    h.type_text("4");
    let Mode::Prompt(p) = &h.state.mode else {
        panic!("{:?}", h.state.mode)
    };
    let desired = h
        .state
        .selected_service()
        .and_then(|k| h.state.snapshot.service(&k).map(|s| s.replicas.desired))
        .unwrap();
    let mut want = format!("{desired}0");
    want.replace_range(0..1, "4");
    assert_eq!(p.input.text(), want, "edited at the cursor");
    h.keys("ctrl-u");
    h.type_text("5");
    let Mode::Prompt(p) = &h.state.mode else {
        panic!("{:?}", h.state.mode)
    };
    assert_eq!(
        p.input.text(),
        &format!("5{}", &want[1..]),
        "only what was before the cursor is cut"
    );
    h.keys("ctrl-e ctrl-u");
    h.type_text("5");
    h.keys("enter");
    assert_eq!(confirmed_change(&h), Change::Scale { replicas: 5 });
    h.keys("esc /");
    h.type_text("loan gray");
    assert_eq!(h.state.filter.text(), "loan gray");
    h.keys("ctrl-w");
    assert_eq!(h.state.filter.text(), "loan ", "the last word cut");
    h.keys("left left ctrl-k");
    assert_eq!(
        h.state.filter.text(),
        "loa",
        "cut from the cursor to the end"
    );
}

#[test]
fn enter_on_an_empty_palette_does_nothing() {
    let mut h = Harness::new("palette-empty");
    h.advance(1);
    h.keys(":");
    h.keys("enter");
    assert!(!h.state.quit, "the first entry is not taken");
    assert!(
        matches!(h.state.mode, Mode::Palette(_)),
        "{:?}",
        h.state.mode
    );
}

#[test]
fn the_palette_takes_an_action_with_its_arguments_and_remembers_it() {
    let mut h = Harness::new("palette-args");
    h.advance(2);
    let line = h.state.snapshot.product_lines[0].clone();
    let env = line.environments.last().unwrap().clone();
    let service = env.services[0].name.clone();
    let path = format!("{}/{}/{service}", line.name, env.name);
    h.keys(":");
    h.type_text(&format!("scale {path} 6"));
    h.keys("enter");
    assert_eq!(h.state.selected.join("/"), path, "the target is selected");
    assert_eq!(confirmed_change(&h), Change::Scale { replicas: 6 });
    h.keys("esc :");
    h.keys("up");
    let Mode::Palette(p) = &h.state.mode else {
        panic!("{:?}", h.state.mode)
    };
    assert_eq!(p.query.text(), format!("scale {path} 6"), "↑ recalls it");
    h.keys("down");
    let Mode::Palette(p) = &h.state.mode else {
        panic!("{:?}", h.state.mode)
    };
    assert_eq!(p.query.text(), "", "↓ comes back to an empty line");
    h.keys("esc :");
    h.type_text("scale no/such/service 2");
    h.keys("enter");
    let said = status_line(&h);
    assert!(said.contains("no no/such/service"), "{said}");
    h.keys(":");
    h.type_text("promote 3");
    h.keys("enter");
    let said = status_line(&h);
    assert!(said.contains("takes no value"), "{said}");
}

/// What the status line says now.
fn status_line(h: &Harness) -> String {
    h.state
        .status
        .as_ref()
        .map(|s| s.text.clone())
        .unwrap_or_default()
}

/// The part of a screen's help title that says which rows are shown: (first, last, of).
fn help_position(screen: &str) -> (usize, usize, usize) {
    let title = screen
        .lines()
        .find(|l| l.contains("Keys (from the active keymap) — "))
        .unwrap_or_else(|| panic!("no help title:\n{screen}"));
    let rest = title.split(" — ").nth(1).unwrap();
    let mut nums = rest
        .split(|c: char| !c.is_ascii_digit())
        .filter(|s| !s.is_empty())
        .map(|s| s.parse::<usize>().unwrap());
    (
        nums.next().unwrap(),
        nums.next().unwrap(),
        nums.next().unwrap(),
    )
}

#[test]
fn help_fits_80x24_pages_says_where_it_is_and_searches() {
    let mut h = Harness::new("help-pages");
    h.event(wheelhouse::app::Event::Resize(80, 24));
    h.keys("?");
    let (first, last, total) = help_position(&h.render(80, 24));
    assert_eq!((first, last), (1, 19), "a page of 19 rows at 80×24");
    assert!(total > 40, "{total}");
    h.keys("pgdn");
    let (first, last, _) = help_position(&h.render(80, 24));
    assert_eq!((first, last), (19, 37), "a page on, keeping one row");
    h.keys("end");
    let (_, last, of) = help_position(&h.render(80, 24));
    assert_eq!(last, of, "the last page ends with the last row");
    h.keys("pgdn down");
    assert_eq!(help_position(&h.render(80, 24)).1, of, "no further");
    h.keys("home");
    assert_eq!(help_position(&h.render(80, 24)).0, 1);
    // A search narrows the rows; enter keeps it, esc then closes the help.
    h.keys("/");
    h.type_text("roll back");
    let screen = h.render(80, 24);
    let (_, _, found) = help_position(&screen);
    assert!(
        (2..6).contains(&found),
        "a title and the matching keys: {found}\n{screen}"
    );
    assert!(screen.contains("R "), "{screen}");
    h.keys("enter");
    assert!(matches!(h.state.mode, Mode::Help(_)), "{:?}", h.state.mode);
    assert!(
        h.render(80, 24).contains("/roll back"),
        "the search stays shown"
    );
    h.keys("esc");
    assert_eq!(h.state.mode, Mode::Normal);
}

/// Copy over SSH (point 4): `y` the path, `Y` the image, ctrl-y in a confirmation the
/// command line that makes the change, each sent as OSC 52 by the runtime.
#[test]
fn y_copies_the_path_the_image_and_the_pending_command_line() {
    let mut h = Harness::new("copy");
    h.advance(2);
    let path = a_service(&mut h);
    h.keys("y");
    assert_eq!(h.copied, [path.join("/")]);
    h.keys("Y");
    let image = h
        .state
        .selected_service()
        .and_then(|k| h.state.snapshot.service(&k).map(|s| s.image.clone()))
        .unwrap();
    assert_eq!(h.copied[1], image);
    h.keys("s");
    h.type_text("4");
    h.keys("enter");
    h.type_text("load test");
    h.keys("ctrl-y");
    let line = &h.copied[2];
    assert!(
        line.starts_with(&format!(
            "wheelhouse scale {} 4 --if-revision ",
            path.join("/")
        )),
        "{line}"
    );
    assert!(line.ends_with("--why 'load test' --yes"), "{line}");
    assert!(
        matches!(h.state.mode, Mode::Confirm(_)),
        "the confirmation stays open"
    );
}

/// Every input, as a person sees it at 80×24 and at 200×60: what was typed, the cursor
/// after it (▏), and the cursor moved by the editing keys.
#[test]
fn every_input_shows_its_text_and_cursor_at_both_sizes() {
    let sizes = [(80u16, 24u16), (200, 60)];
    let seen = |h: &Harness, want: &str, what: &str| {
        for (w, hh) in sizes {
            let screen = h.render(w, hh);
            assert!(
                screen.contains(want),
                "{what} at {w}x{hh} shows {want:?}:\n{screen}"
            );
        }
    };
    let mut h = Harness::new("inputs-render");
    h.advance(2);
    a_service(&mut h);
    // A prompt: the pre-filled value replaced, then the cursor moved into the text.
    h.keys("s");
    h.type_text("12");
    seen(&h, "12▏", "the scale prompt");
    h.keys("left");
    seen(&h, "1▏2", "the scale prompt after ←");
    h.keys("esc");
    // The filter.
    h.keys("/");
    h.type_text("scor");
    seen(&h, "scor▏", "the filter");
    h.keys("ctrl-w");
    seen(&h, "filter: ▏", "the filter after ctrl-w");
    h.keys("esc");
    // The palette, with an action and its arguments.
    h.keys(":");
    h.type_text("weight 25");
    seen(&h, "weight 25▏", "the palette");
    h.keys("ctrl-a");
    seen(&h, "▏weight 25", "the palette after ctrl-a");
    h.keys("esc");
    // Help's search.
    h.keys("?");
    h.type_text("/roll");
    seen(&h, "roll", "help's search");
}
