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
 */
public final class LimitsPlanner {
    /** The CFS period the CPU limit is expressed in (100 ms, the kernel default). */
    public static final long CPU_PERIOD_US = 100_000;
    /** The kernel's smallest CFS quota (1 ms), i.e. 10 millicores with a 100 ms period. */
    static final long MIN_MILLICORES = 10;

    private LimitsPlanner() {
    }

    /** @param v2Controllers the controllers the runner's v2 group can give its children (cgroup.controllers) */
    public static LimitsPlan plan(Limits limits, CgroupLayout layout, Set<String> v2Controllers) throws Refusal {
        if (limits == null) {
            return LimitsPlan.NONE;
        }
        List<LimitsPlan.Limit> planned = new ArrayList<>();
        add(planned, "memoryMaxBytes", limits.memoryMaxBytes(), "memory", layout, v2Controllers, 1);
        add(planned, "pidsMax", limits.pidsMax(), "pids", layout, v2Controllers, 1);
        add(planned, "cpuMillicores", limits.cpuMillicores(), "cpu", layout, v2Controllers, MIN_MILLICORES);
        return new LimitsPlan(planned);
    }

    private static void add(List<LimitsPlan.Limit> planned, String name, Long value, String controller,
                            CgroupLayout layout, Set<String> v2Controllers, long minimum) throws Refusal {
        if (value == null) {
            return;
        }
        String control = "run.limits." + name;
        if (value < minimum) {
            throw new Refusal(control, value + " is below " + minimum + ", the least the kernel can enforce");
        }
        if (layout.v2Own().isPresent() && v2Controllers.contains(controller)) {
            planned.add(new LimitsPlan.Limit(name, value, controller, LimitsPlan.Mechanism.V2));
            return;
        }
        Path v1 = layout.v1Own().get(controller);
        if (v1 != null && Files.isDirectory(v1)) {
            planned.add(new LimitsPlan.Limit(name, value, controller, LimitsPlan.Mechanism.V1));
            return;
        }
        throw new Refusal(control, "no cgroup '" + controller + "' controller is available to the runner "
                + "(neither in its cgroup v2 group nor as a cgroup v1 hierarchy)");
    }
}
