package ai.jllm.weights;

import ai.jllm.JllmException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Named tensors of a checkpoint, memory-mapped. Views returned by {@link #tensor} stay valid until {@link #close()}.
 * Implementations are safe to read from several threads.
 */
public interface WeightSource extends AutoCloseable {

    String SINGLE_FILE = "model.safetensors";
    String INDEX_FILE = "model.safetensors.index.json";
    String INDEX_SUFFIX = ".safetensors.index.json";
    String SAFETENSORS_SUFFIX = ".safetensors";

    /**
     * Opens the weights of a model directory, looking in Hugging Face's order: {@code model.safetensors}, then
     * {@code model.safetensors.index.json}, then a single other {@code *.safetensors.index.json} or
     * {@code *.safetensors}. {@code path} may also name a {@code .safetensors} or index file directly.
     */
    static WeightSource open(Path path) {
        if (Files.isRegularFile(path)) {
            String fileName = path.getFileName().toString();
            if (fileName.endsWith(INDEX_SUFFIX)) {
                return ShardedSafetensors.open(path);
            }
            if (fileName.endsWith(SAFETENSORS_SUFFIX)) {
                return SafetensorsFile.open(path);
            }
            throw new JllmException(path + " is neither a .safetensors file nor a " + INDEX_SUFFIX + " index");
        }
        if (!Files.isDirectory(path)) {
            throw new JllmException("model directory " + path + " does not exist");
        }
        if (Files.isRegularFile(path.resolve(SINGLE_FILE))) {
            return SafetensorsFile.open(path.resolve(SINGLE_FILE));
        }
        if (Files.isRegularFile(path.resolve(INDEX_FILE))) {
            return ShardedSafetensors.open(path.resolve(INDEX_FILE));
        }
        List<Path> indexes = filesEndingWith(path, INDEX_SUFFIX);
        if (indexes.size() == 1) {
            return ShardedSafetensors.open(indexes.getFirst());
        }
        if (indexes.size() > 1) {
            throw new JllmException(path + " holds several safetensors indexes (" + fileNames(indexes)
                    + "); name the one to load");
        }
        List<Path> files = filesEndingWith(path, SAFETENSORS_SUFFIX);
        if (files.size() == 1) {
            return SafetensorsFile.open(files.getFirst());
        }
        if (files.size() > 1) {
            throw new JllmException(path + " holds several .safetensors files (" + fileNames(files) + ") but no "
                    + INDEX_FILE + " saying how they fit together");
        }
        boolean hasPytorchWeights = !filesEndingWith(path, ".bin").isEmpty() || !filesEndingWith(path, ".pt").isEmpty();
        throw new JllmException("no safetensors weights in " + path + " (looked for " + SINGLE_FILE + ", " + INDEX_FILE
                + " and *.safetensors)" + (hasPytorchWeights
                        ? "; it has PyTorch .bin/.pt weights, which jllm does not read: convert them to safetensors"
                        : ""));
    }

    /** All tensor names. */
    Set<String> names();

    boolean contains(String name);

    /** The named tensor; a missing one is a {@link JllmException} naming the tensor and the file(s) searched. */
    TensorView tensor(String name);

    /** Unmaps everything; views obtained earlier must not be read afterwards. */
    @Override
    void close();

    private static List<Path> filesEndingWith(Path directory, String suffix) {
        try (Stream<Path> entries = Files.list(directory)) {
            return entries.filter(p -> p.getFileName().toString().endsWith(suffix) && Files.isRegularFile(p))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new JllmException("cannot list " + directory + ": " + e.getMessage(), e);
        }
    }

    private static String fileNames(List<Path> files) {
        return String.join(", ", files.stream().map(p -> p.getFileName().toString()).toList());
    }
}
