//! Challenges: each goal is reachable exactly when its notes say so, as exhaustive
//! exploration finds.

use threadviz::dashboard::challenge::CHALLENGES;

#[test]
fn every_goal_is_reachable_exactly_when_the_challenge_says_so() {
    for challenge in CHALLENGES {
        let started = std::time::Instant::now();
        let solved = challenge.solve(20_000);
        println!("{}: {} in {:?} ({} runs)", challenge.name, solved.proof, started.elapsed(), solved.runs);
        assert_eq!(solved.shortest.is_some(), challenge.reachable, "{}: {}", challenge.name, solved.proof);
        if !challenge.reachable {
            assert!(solved.exhaustive, "{}: the proof needs every interleaving: {}", challenge.name, solved.proof);
        }
    }
}
