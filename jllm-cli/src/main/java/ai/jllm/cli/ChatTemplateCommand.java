package ai.jllm.cli;

import ai.jllm.JllmException;
import ai.jllm.template.ChatTemplate;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code jllm chat-template}: renders a model's chat template for messages read from standard input. */
@Command(
        name = "chat-template",
        mixinStandardHelpOptions = true,
        description = {
            "Render a model's chat template and print the prompt exactly as the model will see it.",
            "Standard input holds a JSON array of messages, or an object with \"messages\", optional \"tools\" and any"
                    + " extra template variables (e.g. {\"messages\": [...], \"enable_thinking\": false}).",
            "The output has no added newline, so it can be piped into a tokenizer byte for byte."
        })
public final class ChatTemplateCommand implements Callable<Integer> {

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    @Option(names = "--tokenizer", required = true, paramLabel = "DIR",
            description = "Model or tokenizer directory: chat_template.jinja, chat_template.json or tokenizer_config.json"
                    + " is read, in that order; a tokenizer_config.json file may also be given directly.")
    Path tokenizer;

    @Option(names = "--add-generation-prompt",
            description = "End the prompt with the header that starts the assistant's reply.")
    boolean addGenerationPrompt;

    @Option(names = "--template", paramLabel = "NAME",
            description = "Use the template with this name (e.g. tool_use) instead of the default one. Without it,"
                    + " requests with tools use a template named tool_use when there is one, as transformers does.")
    String templateName;

    @Option(names = "--set", paramLabel = "KEY=JSON",
            description = "Set a template variable to a JSON value; repeatable and overriding standard input, e.g."
                    + " --set enable_thinking=false --set 'date_string=\"26 Jul 2024\"'.")
    Map<String, String> variables = new LinkedHashMap<>();

    @Override
    public Integer call() throws IOException {
        Request request = parseRequest(new String(System.in.readAllBytes(), StandardCharsets.UTF_8));
        for (Map.Entry<String, String> variable : variables.entrySet()) {
            request.extra().put(variable.getKey(), parseVariable(variable.getKey(), variable.getValue()));
        }
        ChatTemplate template = loadTemplate(request.tools() != null);
        String prompt = template.render(request.messages(), request.tools(), addGenerationPrompt, request.extra());
        PrintStream out = System.out;
        out.write(prompt.getBytes(StandardCharsets.UTF_8));
        out.flush();
        return 0;
    }

    private ChatTemplate loadTemplate(boolean hasTools) {
        boolean configFile = Files.isRegularFile(tokenizer);
        if (templateName != null) {
            Optional<ChatTemplate> named = configFile ? ChatTemplate.fromTokenizerConfig(tokenizer, templateName)
                    : ChatTemplate.fromModelDir(tokenizer, templateName);
            return named.orElseThrow(() -> new JllmException("no chat template named '" + templateName + "' in " + tokenizer));
        }
        if (hasTools) {
            Optional<ChatTemplate> toolUse = configFile ? ChatTemplate.fromTokenizerConfig(tokenizer, "tool_use")
                    : ChatTemplate.fromModelDir(tokenizer, "tool_use");
            if (toolUse.isPresent()) {
                return toolUse.get();
            }
        }
        return configFile ? ChatTemplate.fromTokenizerConfig(tokenizer) : ChatTemplate.fromModelDir(tokenizer);
    }

    private record Request(List<Map<String, Object>> messages, List<Map<String, Object>> tools, Map<String, Object> extra) {}

    private static Request parseRequest(String input) {
        JsonNode root;
        try {
            root = JSON.readTree(input);
        } catch (JsonProcessingException e) {
            throw new JllmException("malformed JSON on standard input: " + e.getOriginalMessage()
                    + " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")");
        }
        if (root == null || root.isMissingNode()) {
            throw new JllmException("standard input is empty; expected a JSON array of messages or an object with \"messages\"");
        }
        if (root.isArray()) {
            return new Request(messages(root), null, new LinkedHashMap<>());
        }
        if (!root.isObject() || !root.has("messages")) {
            throw new JllmException("standard input must hold a JSON array of messages or an object with \"messages\"");
        }
        Map<String, Object> extra = new LinkedHashMap<>();
        root.properties().forEach(field -> {
            if (!field.getKey().equals("messages") && !field.getKey().equals("tools")) {
                extra.put(field.getKey(), JSON.convertValue(field.getValue(), Object.class));
            }
        });
        return new Request(messages(root.get("messages")), tools(root.get("tools")), extra);
    }

    private static List<Map<String, Object>> messages(JsonNode node) {
        if (!node.isArray()) {
            throw new JllmException("\"messages\" must be a JSON array of message objects");
        }
        for (int i = 0; i < node.size(); i++) {
            if (!node.get(i).isObject()) {
                throw new JllmException("message " + i + " is not a JSON object");
            }
        }
        return JSON.convertValue(node, JSON.getTypeFactory().constructCollectionType(List.class,
                JSON.getTypeFactory().constructMapType(Map.class, String.class, Object.class)));
    }

    private static List<Map<String, Object>> tools(JsonNode node) {
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isArray()) {
            throw new JllmException("\"tools\" must be a JSON array of tool objects");
        }
        for (int i = 0; i < node.size(); i++) {
            if (!node.get(i).isObject()) {
                throw new JllmException("tool " + i + " is not a JSON object");
            }
        }
        return JSON.convertValue(node, JSON.getTypeFactory().constructCollectionType(List.class,
                JSON.getTypeFactory().constructMapType(Map.class, String.class, Object.class)));
    }

    private static Object parseVariable(String key, String value) {
        try {
            return JSON.readValue(value, Object.class);
        } catch (JsonProcessingException e) {
            throw new JllmException("--set " + key + ": the value " + value + " is not JSON (strings need quotes: --set '"
                    + key + "=\"" + value + "\"')");
        }
    }
}
