# Everyday recipes for cell-runner. `just --list` shows them.

demo_spec := "examples/hello-cell.json"
demo_trail := "target/demo-events.jsonl"

# Build the shaded jar behind bin/cell-runner (no tests).
build:
    mvn -q -B package -DskipTests

# Every test: unit, kernel-level isolation and the black-box conformance suite.
test:
    mvn -B verify

# Run the bundled example cell and show its audit trail.
demo: build
    mkdir -p target && rm -f {{demo_trail}}
    bin/cell-runner run {{demo_spec}} --events jsonl:{{demo_trail}}
    @echo "--- event types in {{demo_trail}}:"
    @sed -n 's/.*"type":"\([^"]*\)".*/\1/p' {{demo_trail}}

# Validate a document without running it.
validate spec:
    bin/cell-runner validate {{spec}}

# Every conformance case against CELL_RUNNER_CMD (default bin/cell-runner), pending ones too;
# report in conformance/target/conformance-report.md, JUnit XML in conformance/target/conformance-junit/.
conformance *ARGS:
    mvn -B -q package -DskipTests
    java -cp "conformance/target/test-classes:$(cat conformance/target/conformance-classpath.txt)" dev.cellrunner.conformance.report.ConformanceMain {{ARGS}}

# Start-up benchmark: cell-runner one-shot next to `unshare -n`, median and ratio.
bench-startup: build
    bash bench/startup.sh

# Side-by-side medians: bare exec, unshare -n, bwrap, the shell equivalent, cell-runner one-shot and resident.
bench-compare *RUNS: build
    bash bench/compare.sh {{RUNS}}

# Per-phase start-up of a one-shot run, with and without the AppCDS archive.
bench-phases *RUNS: build
    bash bench/phases.sh {{RUNS}}

# JMH: Ed25519 signing, build+sign+serialize, JSONL append with and without fsync (µs/event); ARGS go to JMH.
bench-jmh *ARGS:
    bash bench/jmh.sh {{ARGS}}

# A resident runner on SOCKET (default target/serve/serve.sock), events to target/serve-events.jsonl.
serve socket="target/serve/serve.sock": build
    bin/cell-runner serve --socket {{socket}} --events jsonl:target/serve-events.jsonl

# Remove host-side leftovers of runners that died.
gc:
    bin/cell-runner gc

clean:
    mvn -q -B clean
