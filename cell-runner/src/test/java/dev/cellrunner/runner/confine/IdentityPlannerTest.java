package dev.cellrunner.runner.confine;

import dev.cellrunner.runner.cell.Refusal;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Who a cell runs as, from run.user/run.group and the runner's options; names through this host's NSS. */
class IdentityPlannerTest {
    private static final UidRange RANGE = UidRange.DEFAULT;

    @Test
    void aDocumentThatNamesNoOneGetsAUidAllocatedAtStart() throws Refusal {
        Identity identity = IdentityPlanner.plan(null, null, false, RANGE);
        assertThat(identity.source()).isEqualTo(Identity.Source.ALLOCATED);
        assertThat(identity.resolved()).isFalse();
        Identity started = identity.withAllocatedUid(61200);
        assertThat(started).isEqualTo(new Identity(61200, 61200, null, null, Identity.Source.ALLOCATED));
        assertThatThrownBy(() -> started.withAllocatedUid(61201)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void aNamedGroupGoesWithTheAllocatedUid() throws Refusal {
        Identity identity = IdentityPlanner.plan(null, "nogroup", false, RANGE).withAllocatedUid(61300);
        assertThat(identity.uid()).isEqualTo(61300);
        assertThat(identity.gid()).isEqualTo(65534);
    }

    @Test
    void aNonRootAccountIsThatAccountWithItsPrimaryGroup() throws Refusal {
        assertThat(IdentityPlanner.plan("nobody", null, false, RANGE))
                .isEqualTo(new Identity(65534, 65534, "nobody", null));
        assertThat(IdentityPlanner.plan("4242", null, false, RANGE)).as("a number NSS does not know")
                .isEqualTo(new Identity(4242, 4242, "4242", null));
        assertThat(IdentityPlanner.plan("4242", "100", false, RANGE)).isEqualTo(new Identity(4242, 100, "4242", "100"));
    }

    @Test
    void rootIsRefusedWithoutTheRunnersConsentNamingTheOption() throws Refusal {
        for (String root : new String[] {"root", "0"}) {
            assertThatThrownBy(() -> IdentityPlanner.plan(root, null, false, RANGE)).isInstanceOf(Refusal.class)
                    .hasMessageStartingWith("run.user: ").hasMessageContaining("--allow-root-cells");
            assertThat(IdentityPlanner.plan(root, null, true, RANGE)).isEqualTo(new Identity(0, 0, root, null));
        }
        assertThatThrownBy(() -> IdentityPlanner.plan(null, "root", false, RANGE)).isInstanceOf(Refusal.class)
                .hasMessageStartingWith("run.group: ").hasMessageContaining("gid 0");
        assertThatThrownBy(() -> IdentityPlanner.plan("nobody", "0", false, RANGE)).isInstanceOf(Refusal.class)
                .hasMessageContaining("--allow-root-cells");
    }

    @Test
    void idsOfTheAllocationRangeBelongToCells() {
        assertThatThrownBy(() -> IdentityPlanner.plan("61184", null, true, RANGE)).isInstanceOf(Refusal.class)
                .hasMessageContaining("61184-65519");
        assertThatThrownBy(() -> IdentityPlanner.plan(null, "65000", true, RANGE)).isInstanceOf(Refusal.class)
                .hasMessageStartingWith("run.group: ");
        assertThatThrownBy(() -> IdentityPlanner.plan("4242", null, false, new UidRange(4000, 4999)))
                .isInstanceOf(Refusal.class);
    }

    @Test
    void unknownNamesAreRefused() {
        assertThatThrownBy(() -> IdentityPlanner.plan("no-such-user-crid", null, false, RANGE))
                .hasMessage("run.user: no user 'no-such-user-crid' on this host");
        assertThatThrownBy(() -> IdentityPlanner.plan(null, "no-such-group-crid", false, RANGE))
                .hasMessage("run.group: no group 'no-such-group-crid' on this host");
    }

    @Test
    void rangesAreReadFromTheOptionThenTheVariable() {
        assertThat(UidRange.of(null, java.util.Map.of())).isEqualTo(UidRange.DEFAULT);
        assertThat(UidRange.of(null, java.util.Map.of(UidRange.VARIABLE, "70000-70099"))).isEqualTo(new UidRange(70000, 70099));
        assertThat(UidRange.of("80000-80000", java.util.Map.of(UidRange.VARIABLE, "70000-70099")))
                .isEqualTo(new UidRange(80000, 80000));
        assertThatThrownBy(() -> UidRange.parse("--uid-range", "0-100")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> UidRange.parse("--uid-range", "65000-66000")).hasMessageContaining("65535");
        assertThatThrownBy(() -> UidRange.parse("--uid-range", "10")).hasMessageContaining("FIRST-LAST");
    }
}
