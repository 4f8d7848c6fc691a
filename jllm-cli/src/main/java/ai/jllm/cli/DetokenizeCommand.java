package ai.jllm.cli;

import ai.jllm.tokenizer.Tokenizer;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code jllm detokenize}: token ids to text, one JSON line in, one JSON line out. */
@Command(
        name = "detokenize",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = {
            "Decodes token ids into text with a Hugging Face tokenizer.json, exactly as the Hugging Face tokenizers "
                    + "library's decode does (no clean-up of spaces before punctuation).",
            "Standard input holds one JSON array of ids per line, for example [9707,198,14615]. For each line, the "
                    + "text is printed as one JSON string; non-ASCII characters are written as \\uXXXX escapes. "
                    + "Ids outside the vocabulary are skipped, as the Hugging Face library skips them.",
            "A line that is not a JSON array of integers stops the command: \"error: line N: ...\" goes to "
                    + "standard error and the exit code is 1; the lines before it have already been printed."
        })
final class DetokenizeCommand implements Callable<Integer> {

    @Option(names = "--tokenizer", required = true, paramLabel = "DIR",
            description = "Directory holding tokenizer.json (and optionally tokenizer_config.json), "
                    + "or the tokenizer.json file itself.")
    private Path tokenizerDir;

    @Option(names = "--skip-special",
            description = "Leave special tokens (such as <|im_end|> or </s>) out of the text, "
                    + "like skip_special_tokens=True.")
    private boolean skipSpecial;

    @Spec
    private CommandSpec spec;

    @Override
    public Integer call() {
        Tokenizer tokenizer = Tokenizer.load(tokenizerDir);
        JsonLines.process(System.in, spec.commandLine().getOut(),
                value -> tokenizer.decode(ids(value), skipSpecial), "a JSON array of integer token ids");
        return 0;
    }

    private static int[] ids(JsonNode value) {
        if (!value.isArray()) {
            throw new IllegalArgumentException("not an array");
        }
        int[] ids = new int[value.size()];
        for (int i = 0; i < ids.length; i++) {
            JsonNode id = value.get(i);
            if (!id.isIntegralNumber() || !id.canConvertToInt()) {
                throw new IllegalArgumentException("not an integer id");
            }
            ids[i] = id.asInt();
        }
        return ids;
    }
}
