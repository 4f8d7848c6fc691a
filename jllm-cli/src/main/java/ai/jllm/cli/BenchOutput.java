package ai.jllm.cli;

import ai.jllm.JllmException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Writes benchmark and evaluation results as indented JSON files. */
final class BenchOutput {

    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private BenchOutput() {}

    static void writeJson(Path file, JsonNode node) {
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            Files.writeString(file, JSON.writeValueAsString(node) + "\n");
        } catch (IOException e) {
            throw new JllmException("cannot write " + file + ": " + e.getMessage());
        }
    }
}
