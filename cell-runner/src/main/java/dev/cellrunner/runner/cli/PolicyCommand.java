package dev.cellrunner.runner.cli;

import picocli.CommandLine.Command;

/** {@code cell-runner policy SUBCOMMAND}: policies learned from trails. */
@Command(name = "policy", mixinStandardHelpOptions = true,
        description = "Policies learned from what cells did: policy suggest (docs/learn.md).",
        subcommands = {PolicySuggestCommand.class})
final class PolicyCommand {
}
