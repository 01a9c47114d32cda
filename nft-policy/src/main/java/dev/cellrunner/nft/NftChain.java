package dev.cellrunner.nft;

import java.util.List;

/**
 * A chain; {@code hook} is null for a regular chain that is only jumped to.
 */
public record NftChain(String name, Hook hook, List<NftRule> rules) {
    public NftChain {
        rules = List.copyOf(rules);
    }

    /**
     * Where a base chain attaches: {@code priorityName} is what we write ("filter"), {@code priority}
     * the number the kernel reports back (0).
     */
    public record Hook(String type, String hook, String priorityName, int priority, String policy) {
        static Hook filter(String hook, String policy) {
            return new Hook("filter", hook, "filter", 0, policy);
        }

        /** Priority -100 (dstnat); nft 1.0.6 does not accept the name in an output hook. */
        static Hook destinationNat(String hook) {
            return new Hook("nat", hook, "-100", -100, "accept");
        }

        static Hook sourceNat() {
            return new Hook("nat", "postrouting", "srcnat", 100, "accept");
        }
    }

    String text() {
        StringBuilder text = new StringBuilder("\tchain ").append(name).append(" {\n");
        if (hook != null) {
            text.append("\t\ttype ").append(hook.type()).append(" hook ").append(hook.hook())
                    .append(" priority ").append(hook.priorityName()).append("; policy ").append(hook.policy())
                    .append(";\n");
        }
        for (NftRule rule : rules) {
            text.append("\t\t").append(rule.text()).append('\n');
        }
        return text.append("\t}\n").toString();
    }
}
