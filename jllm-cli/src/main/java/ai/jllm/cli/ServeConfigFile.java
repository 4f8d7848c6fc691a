package ai.jllm.cli;

import ai.jllm.JllmException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Predicate;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.YAMLException;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * {@code jllm serve --config FILE.yaml}: the serve options as a YAML mapping ({@code max_batch_size: 64} or
 * {@code max-batch-size: 64}), plus {@code model}, and TensorRT-LLM's {@code kv_cache_config} and
 * {@code scheduler_config} sections under their names there. The file becomes command-line arguments, so its values
 * are checked exactly as flags are; flags given on the command line win over the file.
 */
final class ServeConfigFile {

    private static final Map<String, String> SECTION_KEYS = Map.of(
            "kv-cache-config.free-gpu-memory-fraction", "kv-cache-free-gpu-memory-fraction",
            "kv-cache-config.enable-block-reuse", "enable-block-reuse",
            "kv-cache-config.max-tokens", "kv-cache-max-tokens",
            "kv-cache-config.tokens-per-block", "tokens-per-block",
            "scheduler-config.capacity-scheduler-policy", "scheduler-policy");

    private ServeConfigFile() {}

    /**
     * The arguments the file adds: one per setting whose option the command line did not give.
     *
     * @param given whether the command line gave an option, by its long name ({@code --port}) or "MODEL"
     */
    static List<String> arguments(Path file, CommandSpec spec, Predicate<String> given) {
        Map<String, Object> settings = read(file);
        List<String> arguments = new ArrayList<>();
        String model = null;
        for (Map.Entry<String, Setting> setting : flatten(file, settings).entrySet()) {
            String key = setting.getKey();
            Object value = setting.getValue().value();
            if (key.equals("model")) {
                model = scalar(file, key, value);
                continue;
            }
            OptionSpec option = spec.findOption("--" + key);
            if (option == null || key.equals("config") || key.equals("help") || key.equals("version")) {
                throw new JllmException(file + ": unknown setting '" + setting.getValue().name()
                        + "'; the settings are the long names of the serve options (jllm serve --help), with - or _");
            }
            if (given.test("--" + key)) {
                continue;
            }
            if (option.arity().max() == 0) {
                if (!(value instanceof Boolean flag)) {
                    throw new JllmException(file + ": '" + key + "' must be true or false, got " + value);
                }
                if (flag) {
                    arguments.add("--" + key);
                } else if (option.negatable()) {
                    arguments.add("--no-" + key);
                }
            } else {
                arguments.add("--" + key + "=" + scalar(file, key, value));
            }
        }
        if (model != null && !given.test("MODEL")) {
            arguments.add(model);
        }
        return arguments;
    }

    private static Map<String, Object> read(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new JllmException("cannot read the config file " + file + ": " + e.getMessage(), e);
        }
        Object document;
        try {
            document = new Yaml(new SafeConstructor(new LoaderOptions())).load(text);
        } catch (YAMLException e) {
            throw new JllmException(file + " is not valid YAML: " + e.getMessage().lines().findFirst().orElse(""), e);
        }
        if (document == null) {
            return Map.of();
        }
        if (!(document instanceof Map<?, ?> map)) {
            throw new JllmException(file + " must hold a mapping of settings (key: value lines)");
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> settings = (Map<String, Object>) map;
        return settings;
    }

    /** A setting as the file names it, for messages, and its value. */
    private record Setting(String name, Object value) {}

    /** By normalized key (lower case, dashes), sections flattened into the options they stand for. */
    private static Map<String, Setting> flatten(Path file, Map<String, Object> settings) {
        Map<String, Setting> flat = new LinkedHashMap<>();
        for (Map.Entry<?, ?> entry : settings.entrySet()) {
            String key = normalize(String.valueOf(entry.getKey()));
            if (entry.getValue() instanceof Map<?, ?> section) {
                for (Map.Entry<?, ?> inner : section.entrySet()) {
                    String sectionKey = key + "." + normalize(String.valueOf(inner.getKey()));
                    String option = SECTION_KEYS.get(sectionKey);
                    if (option == null) {
                        throw new JllmException(file + ": unknown setting '" + entry.getKey() + "." + inner.getKey()
                                + "'; known in sections: " + String.join(", ", SECTION_KEYS.keySet().stream()
                                .map(k -> k.replace('-', '_')).sorted().toList()));
                    }
                    flat.put(option, new Setting(entry.getKey() + "." + inner.getKey(), inner.getValue()));
                }
            } else {
                flat.put(key, new Setting(String.valueOf(entry.getKey()), entry.getValue()));
            }
        }
        return flat;
    }

    private static String normalize(String key) {
        return key.strip().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    private static String scalar(Path file, String key, Object value) {
        if (value instanceof String || value instanceof Number || value instanceof Boolean) {
            return value.toString();
        }
        throw new JllmException(file + ": '" + key + "' must be a single value, got " + value);
    }
}
