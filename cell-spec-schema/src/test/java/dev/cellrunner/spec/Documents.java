package dev.cellrunner.spec;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Test documents: the shared corpus, and the CONTRACT.md example with edits at JSON pointers. */
final class Documents {
    /** Tests run in the module directory; the corpus is shared with the black-box suite. */
    static final Path CORPUS = Path.of("..", "conformance", "corpus", "spec");
    static final String REMOVE = "<remove>";

    private Documents() {
    }

    static byte[] corpus(String file) {
        try {
            return Files.readAllBytes(CORPUS.resolve(file));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static ObjectNode contractExample() {
        try {
            return (ObjectNode) DocumentParser.MAPPER.readTree(corpus("valid-contract-example.json"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The contract example with edits: pairs of pointer and JSON text (or {@link #REMOVE}). An index equal
     * to an array's size appends; an edit below a place an earlier edit replaced is skipped. The text is
     * spliced in as written, so "443.0", "1e999999999" or even broken JSON arrive exactly so.
     */
    static byte[] edited(String... pointerThenJson) {
        return edited(List.of(pointerThenJson));
    }

    static byte[] edited(List<String> pointerThenJson) {
        ObjectNode document = contractExample();
        for (int i = 0; i < pointerThenJson.size(); i += 2) {
            JsonPointer pointer = JsonPointer.compile(pointerThenJson.get(i));
            JsonNode parent = document.at(pointer.head());
            String name = pointer.last().getMatchingProperty();
            boolean remove = pointerThenJson.get(i + 1).equals(REMOVE);
            TextNode placeholder = TextNode.valueOf(placeholder(i));
            if (parent instanceof ArrayNode array) {
                int index = pointer.last().getMatchingIndex();
                if (index < 0 || index > array.size() || (remove && index == array.size())) {
                    continue; // an earlier edit changed this array; the place no longer exists
                }
                if (remove) {
                    array.remove(index);
                } else if (index == array.size()) {
                    array.add(placeholder);
                } else {
                    array.set(index, placeholder);
                }
            } else if (!parent.isObject()) {
                continue; // an earlier edit replaced the parent
            } else if (remove) {
                ((ObjectNode) parent).remove(name);
            } else {
                ((ObjectNode) parent).set(name, placeholder);
            }
        }
        String text = new String(bytes(document), StandardCharsets.UTF_8);
        for (int i = 0; i < pointerThenJson.size(); i += 2) {
            text = text.replace("\"" + placeholder(i) + "\"", pointerThenJson.get(i + 1));
        }
        return utf8(text);
    }

    private static String placeholder(int index) {
        return "@@edit-" + index + "@@";
    }

    static byte[] bytes(JsonNode document) {
        try {
            return DocumentParser.MAPPER.writeValueAsBytes(document);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

}
