package dev.cellrunner.runner.dns;

import dev.cellrunner.nft.PinnedRule;

import java.net.InetAddress;
import java.util.List;

/**
 * Opens the way to answered addresses before the answer is returned: each address with the port and
 * protocol of the rule that admitted it, for {@code seconds}, in the cell's ruleset and its host
 * filter. Returns only once the kernel holds every element.
 */
@FunctionalInterface
public interface AnswerGate {
    void open(List<Opening> openings) throws Exception;

    record Opening(InetAddress address, PinnedRule rule, long seconds) {
    }
}
