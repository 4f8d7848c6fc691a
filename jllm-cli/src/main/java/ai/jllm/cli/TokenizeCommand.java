package ai.jllm.cli;

import ai.jllm.tokenizer.Tokenizer;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code jllm tokenize}: text to token ids, one JSON line in, one JSON line out. */
@Command(
        name = "tokenize",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = {
            "Encodes text into token ids with a Hugging Face tokenizer.json, exactly as the Hugging Face tokenizers "
                    + "library does.",
            "Standard input holds one JSON string per line (UTF-8), for example \"Hello\\nworld\". For each line, "
                    + "the ids are printed as one compact JSON array, for example [9707,198,14615].",
            "A line that is not a JSON string stops the command: \"error: line N: ...\" goes to standard error "
                    + "and the exit code is 1; the lines before it have already been printed."
        })
final class TokenizeCommand implements Callable<Integer> {

    @Option(names = "--tokenizer", required = true, paramLabel = "DIR",
            description = "Directory holding tokenizer.json (and optionally tokenizer_config.json), "
                    + "or the tokenizer.json file itself.")
    private Path tokenizerDir;

    @Option(names = "--no-special",
            description = "Do not add the tokens the tokenizer adds around a text (such as Llama's leading <s>), "
                    + "like add_special_tokens=False. Special tokens written in the text, such as <|im_start|>, "
                    + "are recognised either way.")
    private boolean noSpecial;

    @Spec
    private CommandSpec spec;

    @Override
    public Integer call() {
        Tokenizer tokenizer = Tokenizer.load(tokenizerDir);
        JsonLines.process(System.in, spec.commandLine().getOut(), value -> {
            if (!value.isTextual()) {
                throw new IllegalArgumentException("not a string");
            }
            return tokenizer.encode(value.asText(), !noSpecial);
        }, "a JSON string");
        return 0;
    }
}
