package ai.jllm.server;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The template-facing parts of a chat completions request: messages, tools and extra template variables, checked
 * and converted into the plain maps and lists a chat template reads.
 *
 * @param extraContext {@code chat_template_kwargs} (enable_thinking, ...)
 */
record ChatRequest(List<Map<String, Object>> messages, Optional<List<Map<String, Object>>> tools,
                   boolean addGenerationPrompt, Map<String, Object> extraContext) {

    private static final Set<String> ROLES = Set.of("system", "developer", "user", "assistant", "tool");
    private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() {};

    static ChatRequest parse(Fields request, ObjectMapper json) {
        ArrayNode messages = request.array("messages")
                .orElseThrow(() -> ApiException.badRequest("messages", "'messages' is required"));
        if (messages.isEmpty()) {
            throw ApiException.badRequest("messages", "'messages' must hold at least one message");
        }
        List<Map<String, Object>> converted = new ArrayList<>(messages.size());
        for (int i = 0; i < messages.size(); i++) {
            converted.add(message(messages.get(i), "messages[" + i + "]", json));
        }
        Optional<List<Map<String, Object>>> tools = request.array("tools").map(array -> tools(array, json));
        request.value("tool_choice").ifPresent(choice -> {
            if (!(choice.isTextual() && Set.of("none", "auto").contains(choice.textValue()))) {
                throw ApiException.unsupported("tool_choice", "'tool_choice' may only be \"none\" or \"auto\": "
                        + "forcing a tool call needs guided decoding, which is not supported yet");
            }
        });
        if (request.has("functions") || request.has("function_call")) {
            throw ApiException.unsupported(request.has("functions") ? "functions" : "function_call",
                    "the deprecated 'functions' API is not supported; use 'tools'");
        }
        request.object("response_format").ifPresent(format -> {
            Optional<String> type = Fields.of(format, "response_format").string("type");
            if (!type.orElse("text").equals("text")) {
                throw ApiException.unsupported("response_format", "response_format "
                        + ApiException.quote(type.get()) + " needs guided decoding, which is not supported yet");
            }
        });
        Map<String, Object> extra = request.object("chat_template_kwargs")
                .map(kwargs -> json.convertValue(kwargs, MAP)).orElse(Map.of());
        for (String reserved : List.of("messages", "tools", "add_generation_prompt")) {
            if (extra.containsKey(reserved)) {
                throw ApiException.badRequest("chat_template_kwargs", "'chat_template_kwargs' may not set '"
                        + reserved + "'");
            }
        }
        return new ChatRequest(converted, tools, request.bool("add_generation_prompt").orElse(true), extra);
    }

    private static Map<String, Object> message(JsonNode node, String path, ObjectMapper json) {
        if (!(node instanceof ObjectNode object)) {
            throw ApiException.badRequest(path, "'" + path + "' must be an object, got " + Fields.kind(node));
        }
        Fields fields = Fields.of(object, path);
        String role = fields.string("role").orElseThrow(() -> fields.invalid("role", "is required"));
        if (!ROLES.contains(role)) {
            throw fields.invalid("role", "must be one of system, developer, user, assistant, tool; got "
                    + ApiException.quote(role));
        }
        Map<String, Object> message = new LinkedHashMap<>(json.convertValue(object, MAP));
        // Templates know "system"; OpenAI's newer "developer" role means the same to them.
        message.put("role", role.equals("developer") ? "system" : role);
        Optional<JsonNode> content = fields.value("content");
        if (content.isPresent()) {
            message.put("content", content(content.get(), fields));
        } else if (!(role.equals("assistant") && fields.has("tool_calls"))) {
            throw fields.invalid("content", "is required");
        }
        fields.array("tool_calls").ifPresent(calls -> message.put("tool_calls", toolCalls(calls, fields, json)));
        return message;
    }

    /** Text, or text parts joined by newlines; other part types (images, audio) are refused. */
    private static String content(JsonNode content, Fields message) {
        if (content.isTextual()) {
            return content.textValue();
        }
        if (!content.isArray()) {
            throw message.invalid("content", "must be a string or an array of content parts, got "
                    + Fields.kind(content));
        }
        List<String> texts = new ArrayList<>(content.size());
        for (int i = 0; i < content.size(); i++) {
            String partPath = message.param("content") + "[" + i + "]";
            if (!(content.get(i) instanceof ObjectNode part)) {
                throw ApiException.badRequest(partPath, "'" + partPath + "' must be an object");
            }
            Fields fields = Fields.of(part, partPath);
            String type = fields.string("type").orElseThrow(() -> fields.invalid("type", "is required"));
            if (!type.equals("text")) {
                throw ApiException.unsupported(fields.param("type"), "content parts of type "
                        + ApiException.quote(type) + " are not supported; this model reads text only");
            }
            texts.add(fields.string("text").orElseThrow(() -> fields.invalid("text", "is required")));
        }
        return String.join("\n", texts);
    }

    /**
     * OpenAI sends a tool call's arguments as a JSON string; templates expect the object (they render it with
     * {@code tojson}), so valid JSON objects are parsed as vLLM and transformers callers do.
     */
    private static List<Object> toolCalls(ArrayNode calls, Fields message, ObjectMapper json) {
        List<Object> converted = new ArrayList<>(calls.size());
        for (int i = 0; i < calls.size(); i++) {
            String path = message.param("tool_calls") + "[" + i + "]";
            if (!(calls.get(i) instanceof ObjectNode call)) {
                throw ApiException.badRequest(path, "'" + path + "' must be an object");
            }
            Map<String, Object> map = new LinkedHashMap<>(json.convertValue(call, MAP));
            if (call.get("function") instanceof ObjectNode function) {
                Map<String, Object> functionMap = new LinkedHashMap<>(json.convertValue(function, MAP));
                JsonNode arguments = function.get("arguments");
                if (arguments != null && arguments.isTextual()) {
                    try {
                        JsonNode parsed = json.readTree(arguments.textValue());
                        if (parsed instanceof ObjectNode) {
                            functionMap.put("arguments", json.convertValue(parsed, MAP));
                        }
                    } catch (com.fasterxml.jackson.core.JacksonException e) {
                        // Not JSON: the template gets the string as the client sent it.
                    }
                }
                map.put("function", functionMap);
            }
            converted.add(map);
        }
        return converted;
    }

    private static List<Map<String, Object>> tools(ArrayNode array, ObjectMapper json) {
        List<Map<String, Object>> tools = new ArrayList<>(array.size());
        for (int i = 0; i < array.size(); i++) {
            if (!(array.get(i) instanceof ObjectNode tool)) {
                throw ApiException.badRequest("tools[" + i + "]", "'tools[" + i + "]' must be an object");
            }
            tools.add(json.convertValue(tool, MAP));
        }
        return tools;
    }
}
