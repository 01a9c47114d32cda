package dev.cellrunner.conformance.harness;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/** The part of CONTRACT.md (or of the conformance issue's grouping) that a class of cases judges. */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface ContractSection {
    String value();
}
