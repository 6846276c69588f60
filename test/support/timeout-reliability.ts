// jest's `testTimeout` is a global option, not a per-project one: each tier sets its
// own default here (a scenario may still ask for more with its own timeout argument).
jest.setTimeout(900_000);
