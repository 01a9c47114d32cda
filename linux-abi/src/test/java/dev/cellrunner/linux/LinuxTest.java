package dev.cellrunner.linux;

import com.sun.jna.LastErrorException;
import dev.cellrunner.spec.LinuxSyscalls;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LinuxTest {
    @Test
    void everySystemCallNumberIsTheOneOfTheSyscallTable() throws IllegalAccessException {
        List<String> checked = new ArrayList<>();
        for (Field field : Linux.class.getFields()) {
            if (Modifier.isStatic(field.getModifiers()) && field.getName().startsWith("SYS_")) {
                String name = field.getName().substring(4).toLowerCase(Locale.ROOT);
                assertThat(LinuxSyscalls.number(name)).as(field.getName()).hasValue((int) field.getLong(null));
                checked.add(name);
            }
        }
        assertThat(checked).contains("gettid", "seccomp", "landlock_create_ruleset", "prlimit64", "fchmodat2");
    }

    @Test
    void errnoValuesHaveTheirNames() {
        assertThat(Linux.errnoName(Linux.EPERM)).isEqualTo("EPERM");
        assertThat(Linux.errnoName(Linux.EACCES)).isEqualTo("EACCES");
        assertThat(Linux.errnoName(Linux.ENOSYS)).isEqualTo("ENOSYS");
        assertThat(Linux.errnoName(4095)).isEqualTo("errno 4095");
    }

    @Test
    void eintrIsRetriedAndAnyOtherErrorIsThrownAsItCame() {
        AtomicInteger calls = new AtomicInteger();
        long result = Eintr.retry(() -> {
            if (calls.incrementAndGet() < 3) {
                throw new LastErrorException(Linux.EINTR);
            }
            return 42;
        });
        assertThat(result).isEqualTo(42);
        assertThat(calls).hasValue(3);
        assertThatThrownBy(() -> Eintr.retry(() -> {
            throw new LastErrorException(Linux.EBADF);
        })).isInstanceOf(LastErrorException.class)
                .satisfies(e -> assertThat(((LastErrorException) e).getErrorCode()).isEqualTo(Linux.EBADF));
    }
}
