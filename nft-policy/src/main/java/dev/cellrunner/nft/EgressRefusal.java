package dev.cellrunner.nft;

/** The declared egress cannot be enforced as written (a name does not resolve, a reserved address): nothing runs. */
public final class EgressRefusal extends Exception {
    public EgressRefusal(String reason) {
        super(reason);
    }
}
