package dev.cellrunner.events;

import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.SplittableRandom;
import java.util.function.DoubleConsumer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The JCS number formatter against a reference built on exact decimal arithmetic: for each double the
 * printed digits read back as that double, no decimal with one digit fewer does, and no other decimal
 * with as many digits that reads back is closer (ties: the even one). Random bit patterns, random
 * subnormals, integers, and every power of two and ten with its neighbours; scale up with
 * {@code -Djcs.numbers=N}.
 */
class JcsNumbersTest {
    private static final int RANDOM = Integer.getInteger("jcs.numbers", 300_000);

    @Test
    void everyFormattedDoubleIsTheShortestClosestDecimal() {
        SplittableRandom random = new SplittableRandom(8785);
        int[] checked = {0};
        DoubleConsumer check = d -> {
            checkShortestAndClosest(d);
            checked[0]++;
        };
        for (int i = 0; i < RANDOM; i++) {
            double bits = Double.longBitsToDouble(random.nextLong());
            if (!Double.isNaN(bits) && !Double.isInfinite(bits)) {
                check.accept(bits);
            }
            check.accept(Double.longBitsToDouble(random.nextLong(1, 1L << 52))); // subnormal
            check.accept((double) random.nextLong(-(1L << 60), 1L << 60));
            check.accept(random.nextInt(1_000_000) / 1000.0);
        }
        for (int e = -1074; e <= 1023; e++) {
            double p = Math.scalb(1.0, e);
            check.accept(p);
            check.accept(Math.nextUp(p));
            check.accept(Math.nextDown(p));
        }
        for (int e = -323; e <= 308; e++) {
            double p = Double.parseDouble("1e" + e);
            check.accept(p);
            check.accept(Math.nextUp(p));
            if (Math.nextDown(p) > 0) {
                check.accept(Math.nextDown(p));
            }
        }
        for (double d : new double[] {Double.MIN_VALUE, 2 * Double.MIN_VALUE, Double.MIN_NORMAL, Double.MAX_VALUE,
                Math.nextDown(Double.MIN_NORMAL), 9007199254740992.0, 9007199254740993.0, 1e21, 1e-7, 123e-20}) {
            check.accept(d);
            check.accept(-d);
        }
        System.out.println("JCS numbers: " + checked[0] + " doubles checked against exact decimal arithmetic");
    }

    @Test
    void knownEcmaScriptRenderings() {
        assertThat(Jcs.formatDouble(Double.MIN_VALUE)).isEqualTo("5e-324");
        assertThat(Jcs.formatDouble(Double.MAX_VALUE)).isEqualTo("1.7976931348623157e+308");
        assertThat(Jcs.formatDouble(2e-323)).isEqualTo("2e-323");
        assertThat(Jcs.formatDouble(1e23)).isEqualTo("1e+23");
        assertThat(Jcs.formatDouble(0.000001)).isEqualTo("0.000001");
        assertThat(Jcs.formatDouble(1e-7)).isEqualTo("1e-7");
        assertThat(Jcs.formatDouble(1e21)).isEqualTo("1e+21");
        assertThat(Jcs.formatDouble(1e20)).isEqualTo("100000000000000000000");
        assertThat(Jcs.formatDouble(-0.5)).isEqualTo("-0.5");
        assertThat(Jcs.formatDouble(4.35)).isEqualTo("4.35");
        assertThat(Jcs.formatDouble(0.1 + 0.2)).isEqualTo("0.30000000000000004");
    }

    private static void checkShortestAndClosest(double d) {
        String printed = Jcs.formatDouble(d);
        if (d == 0) {
            assertThat(printed).isEqualTo("0");
            return;
        }
        assertThat(Double.parseDouble(printed)).as(printed).isEqualTo(d);
        BigDecimal value = new BigDecimal(printed).abs();
        BigDecimal exact = new BigDecimal(Math.abs(d));
        int digits = value.stripTrailingZeros().precision();
        if (digits > 1) {
            MathContext fewer = new MathContext(digits - 1, RoundingMode.FLOOR);
            BigDecimal down = exact.round(fewer);
            BigDecimal up = exact.round(new MathContext(digits - 1, RoundingMode.CEILING));
            assertThat(down.doubleValue() == Math.abs(d) || up.doubleValue() == Math.abs(d))
                    .as("%s has a shorter decimal that reads back", printed).isFalse();
        }
        // the neighbours with as many digits, on the side of the exact value, must not be closer
        BigDecimal ulp = value.stripTrailingZeros().ulp();
        for (BigDecimal other : new BigDecimal[] {value.subtract(ulp), value.add(ulp)}) {
            if (other.signum() > 0 && other.doubleValue() == Math.abs(d)) {
                int cmp = other.subtract(exact).abs().compareTo(value.subtract(exact).abs());
                assertThat(cmp).as("%s: %s is closer", printed, other).isGreaterThanOrEqualTo(0);
                if (cmp == 0) {
                    assertThat(value.stripTrailingZeros().unscaledValue().testBit(0)).as("tie: %s is odd", printed).isFalse();
                }
            }
        }
    }
}
