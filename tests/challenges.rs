//! Challenges: each goal is reachable exactly when its notes say so, as exhaustive
//! exploration finds.

use threadviz::dashboard::challenge::CHALLENGES;

#[test]
fn every_goal_is_reachable_exactly_when_the_challenge_says_so() {
    let only = std::env::var("CHALLENGE").ok();
    for challenge in CHALLENGES.iter().filter(|challenge| only.as_deref().is_none_or(|name| name == challenge.name)) {
        let started = std::time::Instant::now();
        // A goal within reach is found by the first random runs; a proof needs them all.
        let solved = challenge.solve(if challenge.reachable { 400 } else { 20_000 });
        println!("{}: {} in {:?} ({} runs)", challenge.name, solved.proof, started.elapsed(), solved.runs);
        assert_eq!(solved.shortest.is_some(), challenge.reachable, "{}: {}", challenge.name, solved.proof);
        if !challenge.reachable {
            assert!(solved.exhaustive, "{}: the proof needs every interleaving: {}", challenge.name, solved.proof);
        }
    }
}
