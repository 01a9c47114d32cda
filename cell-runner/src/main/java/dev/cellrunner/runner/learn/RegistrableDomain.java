package dev.cellrunner.runner.learn;

import com.google.common.net.InternetDomainName;

import java.util.Optional;

/**
 * The registrable domain of a name ("example.co.uk" for "a.b.example.co.uk") by the Public Suffix
 * List, through Guava's {@link InternetDomainName}, whose copy of the list is regenerated with every
 * release. Private-section suffixes count (github.io, blogspot.com): names below them belong to
 * different owners, so they are never collapsed into one wildcard. A name under no listed suffix
 * (".test", ".internal", a company's own TLD) takes the list's default rule {@code *}: its last label
 * is the suffix.
 */
public final class RegistrableDomain {
    private RegistrableDomain() {
    }

    /** The registrable domain, or empty for a public suffix itself or a name that is no valid domain name. */
    public static Optional<String> of(String name) {
        InternetDomainName domain;
        try {
            domain = InternetDomainName.from(name);
        } catch (IllegalArgumentException notADomainName) {
            return Optional.empty();
        }
        if (domain.isPublicSuffix()) {
            return Optional.empty();
        }
        if (domain.isUnderPublicSuffix()) {
            return Optional.of(domain.topPrivateDomain().toString());
        }
        // the default rule "*": the last label is the public suffix
        int labels = domain.parts().size();
        return labels < 2 ? Optional.empty()
                : Optional.of(String.join(".", domain.parts().subList(labels - 2, labels)));
    }
}
