package ai.jllm.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;

/** The published config.json / generation_config.json texts under src/test/resources/ai/jllm/config/. */
final class ConfigResources {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private ConfigResources() {}

    /** The directory of one model's config files; a missing one fails the test. */
    static Path modelDir(String model) {
        URL url = ConfigResources.class.getResource(model + "/config.json");
        if (url == null) {
            throw new IllegalStateException("test resource ai/jllm/config/" + model + "/config.json is missing");
        }
        try {
            return Path.of(url.toURI()).getParent();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static String configText(String model) {
        try {
            return Files.readString(modelDir(model).resolve("config.json"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A published config with some fields changed, for the error cases. */
    static String edited(String model, Consumer<ObjectNode> edit) {
        try {
            ObjectNode root = (ObjectNode) MAPPER.readTree(configText(model));
            edit.accept(root);
            return MAPPER.writeValueAsString(root);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static JsonNode json(String text) {
        try {
            return MAPPER.readTree(text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
