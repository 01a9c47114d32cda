package dev.cellrunner.spec;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Unwraps reader results in tests, failing with every problem listed when the kind is wrong. */
final class Results {
    private Results() {
    }

    static CellDocument valid(byte[] document) {
        SpecReadResult result = CellSpecReader.read(document);
        assertThat(result).as("problems: %s", result).isInstanceOf(SpecReadResult.Valid.class);
        return ((SpecReadResult.Valid) result).document();
    }

    static List<SpecProblem> problems(byte[] document) {
        SpecReadResult result = CellSpecReader.read(document);
        assertThat(result).as("expected problems").isInstanceOf(SpecReadResult.Invalid.class);
        return ((SpecReadResult.Invalid) result).problems();
    }

    /** The problem of a document that must have exactly one. */
    static SpecProblem onlyProblem(byte[] document) {
        List<SpecProblem> problems = problems(document);
        assertThat(problems).hasSize(1);
        return problems.get(0);
    }

    static List<String> pointers(byte[] document) {
        return problems(document).stream().map(SpecProblem::pointer).toList();
    }
}
