package dev.cellrunner.runner.cell;

import dev.cellrunner.runner.os.ExitStatus;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** What cell-init writes on its status pipe (the lines its C source prints). */
class InitMessageTest {
    @Test
    void eachLineCellInitWrites() {
        assertThat(InitMessage.parse("started 2")).isEqualTo(new InitMessage.Started(2));
        assertThat(InitMessage.parse("exec-failed 13")).isEqualTo(new InitMessage.ExecFailed(13));
        assertThat(InitMessage.parse("landlocked 13")).isEqualTo(new InitMessage.Landlocked(13));
        assertThat(InitMessage.parse("init-failed 11")).isEqualTo(new InitMessage.InitFailed(11));
        assertThat(InitMessage.parse("exited 768 0")).isEqualTo(new InitMessage.Exited(ExitStatus.exited(3), false));
        assertThat(InitMessage.parse("exited 9 1")).isEqualTo(new InitMessage.Exited(ExitStatus.killed(9, false), true));
        assertThat(InitMessage.parse("exited 139 0")).isEqualTo(new InitMessage.Exited(ExitStatus.killed(11, true), false));
        assertThat(InitMessage.parse("exited x")).isInstanceOf(InitMessage.Unknown.class);
        assertThat(InitMessage.parse("")).isInstanceOf(InitMessage.Unknown.class);
    }
}
