"""The run stage: an example or a self-check run under injected faults, and what it lost or doubled.

Entry point: `engine.runs.runner.run_example(script, scenario)` starts a sandbox (or uses a real
cluster), applies the `scenario`'s faults, runs the script in a subprocess, and returns a
`RunResult` whose `outcome` counts sent, acknowledged, in the log, lost and duplicated messages.
`exercises` wraps it for self-checks (`check(exercise, workspace)`), judged by `passrule`.
"""
