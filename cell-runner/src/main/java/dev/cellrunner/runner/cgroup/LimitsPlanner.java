package dev.cellrunner.runner.cgroup;

import dev.cellrunner.runner.cell.Refusal;
import dev.cellrunner.spec.Limits;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Chooses, per requested limit, the cgroup mechanism that can hold it: the v2 controller when the
 * runner's v2 group offers it (most production hosts), else the v1 hierarchy of that controller
 * (hybrid hosts such as this one, where pids/memory/cpu are v1). A limit neither can hold is refused.
 * A limit the document leaves out takes the runner's default ({@link DefaultLimits}).
 */
public final class LimitsPlanner {
    /** The CFS period the CPU limit is expressed in (100 ms, the kernel default). */
    public static final long CPU_PERIOD_US = 100_000;
    /** The kernel's smallest CFS quota (1 ms), i.e. 10 millicores with a 100 ms period. */
    static final long MIN_MILLICORES = 10;
    /** The runner option that sets the default of each limit. */
    public static final java.util.Map<String, String> DEFAULT_OPTIONS = java.util.Map.of(
            "pidsMax", "--default-pids-max", "memoryMaxBytes", "--default-memory-max",
            "tempMaxBytes", "--default-temp-max");

    private LimitsPlanner() {
    }

    /**
     * Each limit the document names, else the runner's default for it. A default no mechanism can hold
     * refuses the cell like a declared limit: the operator turns it off explicitly ({@code none}).
     *
     * @param limits        the document's {@code run.limits}, or null
     * @param v2Controllers the controllers the runner's v2 group can give its children (cgroup.controllers)
     * @param defaults      what the runner gives a cell whose document names no limit of that kind
     */
    public static LimitsPlan plan(Limits limits, CgroupLayout layout, Set<String> v2Controllers,
                                  DefaultLimits defaults) throws Refusal {
        Limits declared = limits == null ? new Limits(null, null, null, null) : limits;
        List<LimitsPlan.Limit> planned = new ArrayList<>();
        add(planned, "memoryMaxBytes", declared.memoryMaxBytes(), defaults.memoryMaxBytes(), "memory", layout,
                v2Controllers, 1);
        add(planned, "pidsMax", declared.pidsMax(), defaults.pidsMax(), "pids", layout, v2Controllers, 1);
        add(planned, "cpuMillicores", declared.cpuMillicores(), null, "cpu", layout, v2Controllers, MIN_MILLICORES);
        LimitsPlan.TempSpace temp = declared.tempMaxBytes() != null
                ? new LimitsPlan.TempSpace(declared.tempMaxBytes(), LimitsPlan.Source.DOCUMENT)
                : new LimitsPlan.TempSpace(defaults.tempMaxBytes(), LimitsPlan.Source.DEFAULT);
        return new LimitsPlan(planned, temp);
    }

    private static void add(List<LimitsPlan.Limit> planned, String name, Long declared, Long fallback,
                            String controller, CgroupLayout layout, Set<String> v2Controllers, long minimum)
            throws Refusal {
        Long value = declared != null ? declared : fallback;
        if (value == null) {
            return;
        }
        LimitsPlan.Source source = declared != null ? LimitsPlan.Source.DOCUMENT : LimitsPlan.Source.DEFAULT;
        String control = "run.limits." + name;
        if (value < minimum) {
            throw new Refusal(control, value + " is below " + minimum + ", the least the kernel can enforce");
        }
        if (layout.v2Own().isPresent() && v2Controllers.contains(controller)) {
            planned.add(new LimitsPlan.Limit(name, value, controller, LimitsPlan.Mechanism.V2, source));
            return;
        }
        Path v1 = layout.v1Own().get(controller);
        if (v1 != null && Files.isDirectory(v1)) {
            planned.add(new LimitsPlan.Limit(name, value, controller, LimitsPlan.Mechanism.V1, source));
            return;
        }
        throw new Refusal(control, "no cgroup '" + controller + "' controller is available to the runner "
                + "(neither in its cgroup v2 group nor as a cgroup v1 hierarchy)"
                + (source == LimitsPlan.Source.DEFAULT ? " to hold the runner's default; start it with "
                + DEFAULT_OPTIONS.get(name) + " none to run cells without it" : ""));
    }
}
