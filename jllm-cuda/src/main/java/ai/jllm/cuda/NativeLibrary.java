package ai.jllm.cuda;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.SymbolLookup;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SequencedSet;
import java.util.concurrent.TimeUnit;

/**
 * Finds and opens a CUDA shared library: first by its standard sonames through the dynamic loader (LD_LIBRARY_PATH,
 * the ldconfig cache), then in the directories of {@code JLLM_CUDA_LIB_DIR} (colon-separated), the CUDA toolkit, and
 * the {@code nvidia-*} Python wheels that pip installs with PyTorch ({@code site-packages/nvidia/cu13/lib},
 * {@code nvidia/cublas/lib}, ...).
 *
 * @param name a short name for messages ("CUDA driver", "cuBLASLt")
 * @param sonames file names to try, preferred first (e.g. libcublasLt.so.13, libcublasLt.so.12)
 */
record NativeLibrary(String name, List<String> sonames) {

    /** Subdirectories of a site-packages directory where NVIDIA's wheels put their shared libraries. */
    static final List<String> WHEEL_LIBRARY_DIRS = List.of(
            "nvidia/cu13/lib", "nvidia/cu12/lib", "nvidia/cublas/lib", "nvidia/cuda_nvrtc/lib",
            "nvidia/cuda_runtime/lib");

    /** Where a system keeps Python packages, as glob patterns over (root, subpath) pairs. */
    private static final List<String[]> SITE_PACKAGE_PATTERNS = List.of(
            new String[] {"/usr/local/lib", "python3*/dist-packages"},
            new String[] {"/usr/local/lib", "python3*/site-packages"},
            new String[] {"/usr/lib", "python3*/dist-packages"},
            new String[] {"/usr/lib/python3", "dist-packages"},
            new String[] {"/opt", "*/.venv/lib/python3*/site-packages"},
            new String[] {"/opt", "*/lib/python3*/site-packages"});

    /** The library found, or why not. */
    sealed interface Lookup {
        record Found(SymbolLookup symbols, String location) implements Lookup {}

        record Missing(String reason) implements Lookup {}
    }

    /** Opens the library in {@code arena}, or says in one line where it looked. */
    Lookup open(Arena arena, Map<String, String> environment) {
        for (String soname : sonames) {
            try {
                return new Lookup.Found(SymbolLookup.libraryLookup(soname, arena), soname);
            } catch (IllegalArgumentException notOnLoaderPath) {
                // Fall through to the explicit directories.
            }
        }
        List<Path> directories = new ArrayList<>(searchDirectories(environment, sitePackages()));
        Optional<Path> found = firstExisting(sonames, directories);
        if (found.isEmpty()) {
            List<Path> fromPython = pythonSitePackages().stream().flatMap(site -> wheelDirectories(site).stream())
                    .filter(dir -> !directories.contains(dir)).toList();
            directories.addAll(fromPython);
            found = firstExisting(sonames, fromPython);
        }
        if (found.isPresent()) {
            Path path = found.get();
            try {
                return new Lookup.Found(SymbolLookup.libraryLookup(path, arena), path.toString());
            } catch (IllegalArgumentException unloadable) {
                return new Lookup.Missing(name + " at " + path + " could not be loaded: " + unloadable.getMessage());
            }
        }
        return new Lookup.Missing(name + " not found (" + String.join(", ", sonames)
                + " on the loader path, in JLLM_CUDA_LIB_DIR, the CUDA toolkit or NVIDIA's Python wheels)");
    }

    /**
     * The directories searched after the loader path, in order: JLLM_CUDA_LIB_DIR's entries, CUDA_HOME's and the
     * default toolkit's lib64, then the wheel directories of each site-packages directory given.
     */
    static List<Path> searchDirectories(Map<String, String> environment, List<Path> sitePackages) {
        SequencedSet<Path> directories = new LinkedHashSet<>();
        String explicit = environment.get("JLLM_CUDA_LIB_DIR");
        if (explicit != null) {
            for (String entry : explicit.split(":")) {
                if (!entry.isBlank()) {
                    directories.add(Path.of(entry.strip()));
                }
            }
        }
        String cudaHome = environment.get("CUDA_HOME");
        if (cudaHome != null && !cudaHome.isBlank()) {
            directories.add(Path.of(cudaHome, "lib64"));
        }
        directories.add(Path.of("/usr/local/cuda/lib64"));
        directories.add(Path.of("/usr/local/cuda/targets/x86_64-linux/lib"));
        for (Path site : sitePackages) {
            directories.addAll(wheelDirectories(site));
        }
        return List.copyOf(directories);
    }

    static List<Path> wheelDirectories(Path sitePackages) {
        return WHEEL_LIBRARY_DIRS.stream().map(sitePackages::resolve).toList();
    }

    /** The first {@code directory/soname} that exists, directories outermost. */
    static Optional<Path> firstExisting(List<String> sonames, List<Path> directories) {
        for (Path directory : directories) {
            for (String soname : sonames) {
                Path candidate = directory.resolve(soname);
                if (Files.isRegularFile(candidate)) {
                    return Optional.of(candidate);
                }
            }
        }
        return Optional.empty();
    }

    /** site-packages directories at the usual places of this machine. */
    static List<Path> sitePackages() {
        List<Path> found = new ArrayList<>();
        for (String[] pattern : SITE_PACKAGE_PATTERNS) {
            found.addAll(glob(Path.of(pattern[0]), pattern[1].split("/")));
        }
        return found;
    }

    private static List<Path> glob(Path root, String[] parts) {
        List<Path> level = List.of(root);
        for (String part : parts) {
            List<Path> next = new ArrayList<>();
            for (Path directory : level) {
                if (!part.contains("*")) {
                    Path child = directory.resolve(part);
                    if (Files.isDirectory(child)) {
                        next.add(child);
                    }
                    continue;
                }
                if (!Files.isDirectory(directory)) {
                    continue;
                }
                try (DirectoryStream<Path> children = Files.newDirectoryStream(directory, part)) {
                    for (Path child : children) {
                        if (Files.isDirectory(child)) {
                            next.add(child);
                        }
                    }
                } catch (IOException | SecurityException unreadable) {
                    // An unreadable directory holds nothing we can load.
                }
            }
            level = next;
        }
        return level.stream().sorted().toList();
    }

    /** python3's own sys.path entries, the last resort (a virtual environment somewhere unusual). */
    private static List<Path> pythonSitePackages() {
        try {
            Process process = new ProcessBuilder("python3", "-c", "import sys; print('\\n'.join(sys.path))")
                    .redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes());
            if (!process.waitFor(10, TimeUnit.SECONDS) || process.exitValue() != 0) {
                process.destroy();
                return List.of();
            }
            return output.lines().filter(line -> line.endsWith("-packages")).map(Path::of).toList();
        } catch (IOException noPython) {
            return List.of();
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            return List.of();
        }
    }
}
