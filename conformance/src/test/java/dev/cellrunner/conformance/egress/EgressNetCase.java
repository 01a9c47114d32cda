package dev.cellrunner.conformance.egress;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * A class of cases that drive the runner inside the egress test network ({@link EgressTestNet}, one per
 * class). After every case nothing the runner added is left, in its host namespace or on the real host.
 */
abstract class EgressNetCase {
    static final String V4 = "198.51.100.10";
    static final String V4_OTHER = "198.51.100.11";
    static final String V6 = "2001:db8::10";
    static final String V6_OTHER = "2001:db8::11";
    static EgressTestNet net;
    /** Veth and nft table names the runs of this case reported; the real host must never show them. */
    final List<String> runnerNames = new ArrayList<>();

    @BeforeAll
    static void createTestNetwork() throws Exception {
        EgressTestNet.assumeAvailable();
        net = EgressTestNet.create();
    }

    @AfterAll
    static void closeTestNetwork() throws IOException {
        if (net != null) {
            net.close();
            net = null;
        }
    }

    @AfterEach
    void nothingOfTheRunnerIsLeft() throws IOException {
        net.assertNoLeftovers(runnerNames);
    }

    void record(EgressCellRun.Outcome outcome) {
        runnerNames.addAll(outcome.runnerNames());
    }
}
