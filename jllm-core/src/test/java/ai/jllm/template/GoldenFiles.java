package ai.jllm.template;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * The golden files scripts/golden/render_chat_templates.py wrote from Python jinja2 into the test resources
 * under chat-templates/. A missing file fails the test: regenerate with that script.
 */
final class GoldenFiles {

    static final ObjectMapper JSON = new ObjectMapper();

    private GoldenFiles() {}

    static Path root() {
        URL url = GoldenFiles.class.getResource("/chat-templates");
        if (url == null) {
            throw new IllegalStateException("test resources chat-templates/ are missing; run scripts/golden/render_chat_templates.py");
        }
        try {
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Map<String, Object> readJson(Path file) {
        try {
            return JSON.readValue(file.toFile(), new TypeReference<>() {});
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
