package ai.jllm.cli;

import com.fasterxml.jackson.core.type.TypeReference;
import java.util.List;
import java.util.Map;

/** Chat messages as the template engine takes them: JSON-like maps. */
final class ChatMessages {

    static final TypeReference<Map<String, Object>> MESSAGE_TYPE = new TypeReference<>() {};

    private ChatMessages() {}

    static List<Map<String, Object>> user(String content) {
        return List.of(Map.of("role", "user", "content", content));
    }
}
