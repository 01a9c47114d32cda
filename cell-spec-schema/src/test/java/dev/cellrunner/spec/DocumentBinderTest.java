package dev.cellrunner.spec;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** The hand-written binder builds exactly what Jackson's data binding builds, for every valid document we have. */
class DocumentBinderTest {
    static Stream<String> validCorpusFiles() throws IOException {
        return Files.readAllLines(Documents.CORPUS.resolve("EXPECTED.tsv")).stream()
                .filter(line -> !line.isBlank() && !line.startsWith("#"))
                .map(line -> line.split("\t"))
                .filter(fields -> fields[1].equals("0"))
                .map(fields -> fields[0]);
    }

    @ParameterizedTest
    @MethodSource("validCorpusFiles")
    void bindsLikeJackson(String file) throws Exception {
        assertBindsLikeJackson(Documents.corpus(file));
    }

    /** Called for every valid document the fuzz test and the hand-written cases produce too. */
    static void assertBindsLikeJackson(byte[] document) throws Exception {
        JsonNode tree = DocumentParser.parse(document);
        CellDocument jackson = DocumentParser.MAPPER.treeToValue(tree, CellDocument.class);
        assertThat(DocumentBinder.bind(tree)).isEqualTo(jackson);
    }
}
