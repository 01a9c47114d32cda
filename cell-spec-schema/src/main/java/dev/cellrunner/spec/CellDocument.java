package dev.cellrunner.spec;

/** An ExecutionCell document exactly as the user wrote it (after validation). */
public record CellDocument(String apiVersion, String kind, CellSpec spec) {
    public static final String API_VERSION = "cellos.io/v1";
    public static final String KIND = "ExecutionCell";
}
