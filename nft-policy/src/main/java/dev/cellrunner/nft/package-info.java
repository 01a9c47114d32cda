/**
 * Egress rules to an nftables ruleset for one cell, and the read-back of what the kernel holds.
 * Pure: no system calls here; the runner applies the text and hands back what {@code nft -j} printed.
 */
package dev.cellrunner.nft;
