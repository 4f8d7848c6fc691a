package ai.jllm.template;

import ai.jllm.JllmException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A Hugging Face chat template, parsed once and rendered per request. Rendering gives byte-identical output to
 * Python jinja2 configured as transformers configures it: a sandboxed environment that cannot modify lists or
 * dicts, {@code trim_blocks} and {@code lstrip_blocks}, the loopcontrols extension, Python's json.dumps for
 * {@code tojson}, and the globals {@code raise_exception} and {@code strftime_now}.
 *
 * <p>Instances are immutable and safe to render from many threads at once.
 */
public final class ChatTemplate {

    /** Context names the render arguments own; extra context may not replace them. */
    private static final Set<String> RESERVED = Set.of("messages", "tools", "add_generation_prompt");

    private final String name;
    private final String source;
    private final Program program;
    private final Map<String, Object> specialTokens;
    private final Scope globals;

    private ChatTemplate(String name, String source, Map<String, Object> specialTokens, Clock clock) {
        this.name = name;
        this.source = source;
        this.program = Parser.parse(name, source);
        this.specialTokens = Map.copyOf(specialTokens);
        this.globals = Scope.of(Globals.create(clock), null);
    }

    /** The default template of a tokenizer_config.json, with the special tokens the same file declares. */
    public static ChatTemplate fromTokenizerConfig(Path tokenizerConfigJson) {
        return fromTokenizerConfig(tokenizerConfigJson, ChatTemplateFiles.DEFAULT_NAME)
                .orElseThrow(() -> missing(tokenizerConfigJson.toString(), tokenizerConfigJson,
                        "it has no \"chat_template\" field"));
    }

    /** A named template ("tool_use", ...) of a tokenizer_config.json, if the file has one by that name. */
    public static Optional<ChatTemplate> fromTokenizerConfig(Path tokenizerConfigJson, String name) {
        return ChatTemplateFiles.fromJsonFile(tokenizerConfigJson, name).map(found -> new ChatTemplate(
                found.description(), found.text(), ChatTemplateFiles.specialTokens(tokenizerConfigJson), Clock.systemDefaultZone()));
    }

    /**
     * The default template of a model directory: chat_template.jinja, else chat_template.json, else
     * tokenizer_config.json; special tokens always come from tokenizer_config.json.
     */
    public static ChatTemplate fromModelDir(Path dir) {
        return fromModelDir(dir, ChatTemplateFiles.DEFAULT_NAME).orElseThrow(() -> missing(dir.toString(),
                dir.resolve(ChatTemplateFiles.TOKENIZER_CONFIG_FILE), "it has no " + ChatTemplateFiles.JINJA_FILE + ", no "
                        + ChatTemplateFiles.JSON_FILE + " and no \"chat_template\" in " + ChatTemplateFiles.TOKENIZER_CONFIG_FILE));
    }

    /** A named template of a model directory (additional_chat_templates/NAME.jinja or a named JSON entry). */
    public static Optional<ChatTemplate> fromModelDir(Path dir, String name) {
        return ChatTemplateFiles.fromModelDir(dir, name).map(found -> new ChatTemplate(found.description(), found.text(),
                ChatTemplateFiles.specialTokens(dir.resolve(ChatTemplateFiles.TOKENIZER_CONFIG_FILE)),
                Clock.systemDefaultZone()));
    }

    /** Parses template source; {@code specialTokens} (bos_token, eos_token, ...) join every render's context. */
    public static ChatTemplate compile(String source, Map<String, String> specialTokens) {
        return compile("'inline'", source, specialTokens);
    }

    /** As {@link #compile(String, Map)}, with a name that error messages use to point at the template. */
    public static ChatTemplate compile(String name, String source, Map<String, String> specialTokens) {
        return new ChatTemplate(name, source, setTokens(specialTokens), Clock.systemDefaultZone());
    }

    /** For tests: a template whose {@code strftime_now} reads {@code clock}. */
    static ChatTemplate compile(String source, Map<String, String> specialTokens, Clock clock) {
        return new ChatTemplate("'inline'", source, setTokens(specialTokens), clock);
    }

    /** Like transformers, a token that is not set (null) is left out of the context rather than passed as None. */
    private static Map<String, Object> setTokens(Map<String, String> specialTokens) {
        Map<String, Object> tokens = new LinkedHashMap<>();
        specialTokens.forEach((key, value) -> {
            if (value != null) {
                tokens.put(key, value);
            }
        });
        return tokens;
    }

    /**
     * Renders the conversation into the prompt text.
     *
     * @param messages            the chat, as maps with "role", "content" and any other keys the template reads
     * @param tools               tool definitions (JSON-schema maps), or null when no tools are passed
     * @param addGenerationPrompt whether to end with the header that starts the assistant's reply
     * @param extraContext        further template variables (enable_thinking, date_string, ...), or null
     * @throws JllmException for template errors, including the template's own {@code raise_exception} message
     */
    public String render(List<Map<String, Object>> messages, List<Map<String, Object>> tools,
                         boolean addGenerationPrompt, Map<String, Object> extraContext) {
        Map<String, Object> context = new HashMap<>(specialTokens);
        context.put("messages", PyValues.fromJava(messages));
        context.put("tools", PyValues.fromJava(tools));
        context.put("documents", null);
        context.put("add_generation_prompt", addGenerationPrompt);
        if (extraContext != null) {
            for (Map.Entry<String, Object> entry : extraContext.entrySet()) {
                if (RESERVED.contains(entry.getKey())) {
                    throw new JllmException("extra context key '" + entry.getKey() + "' clashes with the render argument of"
                            + " that name");
                }
                context.put(entry.getKey(), PyValues.fromJava(entry.getValue()));
            }
        }
        Scope scope = Scope.of(context, globals);
        program.frame().enter(scope);
        return new Renderer(name).render(program.body(), scope);
    }

    /** The template's name and origin, as error messages show it. */
    public String name() {
        return name;
    }

    /** The template source text. */
    public String source() {
        return source;
    }

    private static JllmException missing(String where, Path tokenizerConfig, String why) {
        List<String> names = Files.isRegularFile(tokenizerConfig) ? ChatTemplateFiles.namesInJsonFile(tokenizerConfig)
                : List.of();
        if (!names.isEmpty()) {
            return new JllmException("no default chat template in " + where + "; it has only the named templates "
                    + String.join(", ", names) + " (choose one by name)");
        }
        return new JllmException("no chat template in " + where + " (" + why + ")");
    }
}
