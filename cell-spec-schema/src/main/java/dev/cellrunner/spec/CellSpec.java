package dev.cellrunner.spec;

/** {@code spec}: identity, authority, lifetime and the command to run. */
public record CellSpec(String id, Correlation correlation, Authority authority, Lifetime lifetime, Run run) {
    public CellSpec {
        authority = authority == null ? Authority.NONE : authority;
    }
}
