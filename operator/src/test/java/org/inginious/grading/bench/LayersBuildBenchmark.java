package org.inginious.grading.bench;

import com.google.cloud.tools.jib.api.Containerizer;
import com.google.cloud.tools.jib.api.Jib;
import com.google.cloud.tools.jib.api.JibContainerBuilder;
import com.google.cloud.tools.jib.api.RegistryImage;
import com.google.cloud.tools.jib.api.buildplan.AbsoluteUnixPath;
import com.google.cloud.tools.jib.api.buildplan.FileEntriesLayer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.stream.Stream;
import org.inginious.grading.image.layers.BuildResult;
import org.inginious.grading.image.layers.JibImageBuilder;
import org.inginious.grading.image.layers.LayersBuildRequest;
import org.inginious.grading.image.layers.LayersBuildRequest.FileEntry;
import org.inginious.grading.testing.LocalRegistry;

/**
 * Builds the same environment (a base in a local registry, three files, INGInious labels, env,
 * working directory) with {@link JibImageBuilder} and with {@code buildah}, cold and as an
 * unchanged rebuild, and prints medians. Defaults: 5 runs each, an 8 MB base in three layers. A
 * program, not a test:
 *
 * <pre>
 * mvn -q -pl operator test-compile exec:java -Dexec.classpathScope=test \
 *     -Dexec.mainClass=org.inginious.grading.bench.LayersBuildBenchmark [-Dexec.args="RUNS BASE_MB"]
 * </pre>
 *
 * <p>Needs Debian's {@code docker-registry}; the buildah half needs {@code buildah} and root (it is
 * skipped with the reason otherwise). buildah's storage lives under a temp dir ({@code --root},
 * {@code --runroot}, {@code TMPDIR}); what buildah writes outside it ({@code
 * /var/lib/containers/cache}, {@code /run/containers}) is removed at the end if it did not exist
 * before.
 *
 * <p>Cold: jib with fresh cache directories and a new target repository per run; buildah with fresh
 * storage (so the base is pulled) and, if we own it, a fresh blob-info cache, and a new target
 * repository per run. Unchanged rebuild: the same build again with the caches/storage of a first,
 * untimed build, to the same repository.
 */
public final class LayersBuildBenchmark {

  private static final Map<String, String> LABELS =
      Map.of(
          "org.inginious.grading.name", "bench-python3-ai-cuda",
          "org.inginious.grading.need_gpu", "");
  private static final Map<String, String> ENV =
      Map.of(
          "LANG", "C.UTF-8",
          "NVIDIA_VISIBLE_DEVICES", "all",
          "NVIDIA_DRIVER_CAPABILITIES", "compute,utility");
  private static final String WORKING_DIR = "/task";

  private final int runs;
  private final int[] baseLayerKb; // random bytes, so incompressible
  private final Path work;
  private final LocalRegistry registry;
  private final List<FileEntry> files;

  private LayersBuildBenchmark(int runs, int baseMb, Path work, LocalRegistry registry) {
    this.runs = runs;
    int kb = baseMb * 1024;
    this.baseLayerKb = new int[] {kb / 2, kb * 3 / 8, kb - kb / 2 - kb * 3 / 8};
    this.work = work;
    this.registry = registry;
    this.files = files();
  }

  public static void main(String[] args) throws Exception {
    int runs = args.length > 0 ? Integer.parseInt(args[0]) : 5;
    int baseMb = args.length > 1 ? Integer.parseInt(args[1]) : 8;
    Path work = Files.createTempDirectory("layers-bench-");
    BuildahTraces traces = new BuildahTraces();
    int exit = 0;
    try (LocalRegistry registry = LocalRegistry.open()) {
      exit = new LayersBuildBenchmark(runs, baseMb, work, registry).run();
    } finally {
      traces.removeOurs();
      delete(work);
    }
    System.exit(exit);
  }

  private int run() throws Exception {
    String base = pushBase();
    long baseBytes = 0;
    for (int kb : baseLayerKb) {
      baseBytes += kb * 1024L;
    }
    System.out.printf(
        Locale.ROOT,
        "registry %s; base %s (%d layers, %.1f MB); environment: base + %d files, %d labels, %d env%n",
        registry.host(),
        base,
        baseLayerKb.length,
        baseBytes / 1e6,
        files.size(),
        LABELS.size(),
        ENV.size());
    System.out.printf(
        Locale.ROOT,
        "java %s, %d CPUs; %d runs each%n%n",
        System.getProperty("java.version"),
        Runtime.getRuntime().availableProcessors(),
        runs);

    // One untimed build so the JVM has loaded jib's classes: the operator is a long-running
    // process.
    long warmup = System.nanoTime();
    new JibImageBuilder(work.resolve("jvm-warmup/b"), work.resolve("jvm-warmup/a"))
        .build(request(base, "bench/jvm-warmup:h"));
    System.out.printf(
        Locale.ROOT,
        "jib first build in this JVM (class loading, untimed below): %d ms%n%n",
        millis(System.nanoTime() - warmup));

    // jib cold
    List<Long> jibCold = new ArrayList<>();
    List<Integer> jibColdUploads = new ArrayList<>();
    for (int i = 1; i <= runs; i++) {
      Path caches = work.resolve("jib-cold-" + i);
      JibImageBuilder builder = new JibImageBuilder(caches.resolve("base"), caches.resolve("app"));
      long start = System.nanoTime();
      BuildResult result = builder.build(request(base, "bench/jib-cold-" + i + ":h"));
      jibCold.add(millis(System.nanoTime() - start));
      jibColdUploads.add(result.uploadedLayerBlobs());
    }

    // jib unchanged rebuild
    JibImageBuilder warm =
        new JibImageBuilder(work.resolve("jib-warm/base"), work.resolve("jib-warm/app"));
    BuildResult first = warm.build(request(base, "bench/jib-warm:h"));
    List<Long> jibWarm = new ArrayList<>();
    List<Integer> jibWarmUploads = new ArrayList<>();
    List<Integer> jibWarmAllUploads = new ArrayList<>();
    boolean sameDigest = true;
    for (int i = 1; i <= runs; i++) {
      long start = System.nanoTime();
      BuildResult result = warm.build(request(base, "bench/jib-warm:h"));
      jibWarm.add(millis(System.nanoTime() - start));
      jibWarmUploads.add(result.uploadedLayerBlobs());
      jibWarmAllUploads.add(result.uploadedBlobs());
      sameDigest &= result.digest().equals(first.digest());
    }

    print("jib     cold            ", jibCold, "layer blobs uploaded " + jibColdUploads);
    print(
        "jib     unchanged build ",
        jibWarm,
        "layer blobs uploaded "
            + jibWarmUploads
            + ", all blobs "
            + jibWarmAllUploads
            + ", same digest as the first build: "
            + sameDigest);

    Optional<String> noBuildah = Buildah.unavailableReason();
    if (noBuildah.isPresent()) {
      System.out.println("\nbuildah skipped: " + noBuildah.get());
      return 0;
    }
    Buildah.Version version = Buildah.version();
    System.out.println("\n" + version.text() + ", storage driver " + Buildah.DRIVER);

    List<Long> buildahCold = new ArrayList<>();
    List<Integer> buildahColdUploads = new ArrayList<>();
    for (int i = 1; i <= runs; i++) {
      BuildahTraces.clearBlobInfoCacheIfOurs();
      try (Buildah buildah = new Buildah(work.resolve("buildah-cold-" + i))) {
        long start = System.nanoTime();
        int uploads =
            buildah.build(base, files, registry.host() + "/bench/buildah-cold-" + i + ":h");
        buildahCold.add(millis(System.nanoTime() - start));
        buildahColdUploads.add(uploads);
      }
    }
    List<Long> buildahWarm = new ArrayList<>();
    List<Integer> buildahWarmUploads = new ArrayList<>();
    try (Buildah buildah = new Buildah(work.resolve("buildah-warm"))) {
      String target = registry.host() + "/bench/buildah-warm:h";
      buildah.build(base, files, target);
      for (int i = 1; i <= runs; i++) {
        long start = System.nanoTime();
        int uploads = buildah.build(base, files, target);
        buildahWarm.add(millis(System.nanoTime() - start));
        buildahWarmUploads.add(uploads);
      }
    }
    print(
        "buildah cold            ",
        buildahCold,
        "blobs uploaded (config included) " + buildahColdUploads);
    print(
        "buildah unchanged build ",
        buildahWarm,
        "blobs uploaded (config included) " + buildahWarmUploads);

    System.out.println();
    System.out.printf(
        Locale.ROOT,
        "cold:      buildah/jib median = %.1fx (target >= 5x)%n",
        (double) median(buildahCold) / Math.max(1, median(jibCold)));
    System.out.printf(
        Locale.ROOT,
        "unchanged: buildah/jib median = %.1fx%n",
        (double) median(buildahWarm) / Math.max(1, median(jibWarm)));
    System.out.printf(
        Locale.ROOT,
        "jib unchanged rebuild: layer blobs uploaded per run %s (target 0)%n",
        jibWarmUploads);
    return 0;
  }

  private LayersBuildRequest request(String base, String repositoryAndTag) {
    return new LayersBuildRequest(
        Optional.of(base),
        Optional.empty(),
        files,
        ENV,
        WORKING_DIR,
        LABELS,
        registry.host() + "/" + repositoryAndTag,
        Optional.empty(),
        true,
        Duration.ofMinutes(5));
  }

  private static List<FileEntry> files() {
    StringBuilder library = new StringBuilder();
    for (int i = 0; i < 2000; i++) {
      library
          .append("def check_")
          .append(i)
          .append("(answer):\n    return answer == ")
          .append(i * 7919 % 1000)
          .append("\n\n");
    }
    return List.of(
        FileEntry.of(
            "/opt/grader/run.sh",
            "#!/bin/sh\nexec python3 /opt/grader/lib/course.py \"$@\"\n",
            0755),
        FileEntry.of("/opt/grader/lib/course.py", library.toString(), 0644),
        FileEntry.of("/etc/grader/limits.conf", "memory=512Mi\ntime=300\n", 0644));
  }

  /** Pushes bench/base:v1 (a few MB of random layers) with jib; returns it pinned by digest. */
  private String pushBase() throws Exception {
    Path dir = work.resolve("base-src");
    Files.createDirectories(dir);
    Random random = new Random(42);
    JibContainerBuilder builder = Jib.fromScratch().setCreationTime(Instant.EPOCH);
    for (int i = 0; i < baseLayerKb.length; i++) {
      byte[] data = new byte[baseLayerKb[i] * 1024];
      random.nextBytes(data);
      Path file = dir.resolve("layer" + i + ".bin");
      Files.write(file, data);
      builder.addFileEntriesLayer(
          FileEntriesLayer.builder()
              .addEntry(file, AbsoluteUnixPath.get("/usr/share/base/layer" + i + ".bin"))
              .build());
    }
    builder.setLabels(Map.of("org.inginious.grading.agent_version", "3"));
    builder.setEnvironment(Map.of("PATH", "/usr/local/bin:/usr/bin:/bin"));
    String reference = registry.host() + "/bench/base:v1";
    String digest =
        builder
            .containerize(
                Containerizer.to(RegistryImage.named(reference))
                    .setAllowInsecureRegistries(true)
                    .setBaseImageLayersCache(work.resolve("base-push/b"))
                    .setApplicationLayersCache(work.resolve("base-push/a"))
                    .setToolName("layers-build-benchmark"))
            .getDigest()
            .toString();
    return registry.host() + "/bench/base@" + digest;
  }

  private static void print(String what, List<Long> millis, String note) {
    System.out.printf(
        Locale.ROOT, "%s median %6d ms   runs %s ms   %s%n", what, median(millis), millis, note);
  }

  static long median(List<Long> values) {
    List<Long> sorted = new ArrayList<>(values);
    sorted.sort(Comparator.naturalOrder());
    int n = sorted.size();
    return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
  }

  private static long millis(long nanos) {
    return Duration.ofNanos(nanos).toMillis();
  }

  static void delete(Path dir) {
    if (dir == null || !Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      System.err.println("could not delete " + dir + ": " + e);
    }
  }

  /** One buildah storage (root, runroot, tmp) under a directory; removed on close. */
  static final class Buildah implements AutoCloseable {
    static final String DRIVER = System.getProperty("bench.buildahDriver", "overlay");
    private static int containers;

    private final Path dir;
    private final Path sources;

    record Version(String text) {}

    Buildah(Path dir) throws IOException {
      this.dir = dir;
      this.sources = dir.resolve("src");
      Files.createDirectories(dir.resolve("tmp"));
      Files.createDirectories(sources);
    }

    static Optional<String> unavailableReason() {
      if (!Files.isExecutable(Path.of("/usr/bin/buildah"))) {
        return Optional.of("/usr/bin/buildah is missing (apt-get install buildah)");
      }
      if (!"root".equals(System.getProperty("user.name"))) {
        return Optional.of(
            "buildah runs as root here, and this JVM runs as " + System.getProperty("user.name"));
      }
      return Optional.empty();
    }

    static Version version() throws IOException, InterruptedException {
      return new Version(exec(null, List.of("buildah", "--version")).strip());
    }

    /**
     * from, copy x3, config, commit, push; returns the number of blobs buildah actually sent: the
     * PATCH requests in its debug log (its normal output prints "Copying blob" for every blob,
     * sent, mounted or skipped alike).
     */
    int build(String base, List<FileEntry> files, String target)
        throws IOException, InterruptedException {
      String name = "bench-" + (++containers);
      run("from", "--tls-verify=false", "--name", name, base);
      int i = 0;
      for (FileEntry file : files) {
        Path source = sources.resolve("f" + i++);
        Files.write(source, file.content());
        run(
            "copy",
            "--chmod",
            String.format(Locale.ROOT, "%04o", file.mode()),
            name,
            source.toString(),
            file.absolutePathInImage());
      }
      List<String> config = new ArrayList<>(List.of("config"));
      LABELS.forEach((k, v) -> config.addAll(List.of("--label", k + "=" + v)));
      ENV.forEach((k, v) -> config.addAll(List.of("--env", k + "=" + v)));
      config.addAll(List.of("--workingdir", WORKING_DIR, name));
      run(config.toArray(String[]::new));
      String image = "localhost/" + name + ":latest";
      run("commit", name, image);
      String out =
          run("--log-level=debug", "push", "--tls-verify=false", image, "docker://" + target);
      run("rm", name);
      int sent = 0;
      for (String line : out.split("\n")) {
        if (line.contains("msg=\"PATCH ")) {
          sent++;
        }
      }
      return sent;
    }

    private String run(String... args) throws IOException, InterruptedException {
      List<String> command =
          new ArrayList<>(
              List.of(
                  "buildah",
                  "--root",
                  dir.resolve("root").toString(),
                  "--runroot",
                  dir.resolve("runroot").toString(),
                  "--storage-driver",
                  DRIVER));
      command.addAll(List.of(args));
      return exec(dir.resolve("tmp"), command);
    }

    private static String exec(Path tmp, List<String> command)
        throws IOException, InterruptedException {
      ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
      if (tmp != null) {
        pb.environment().put("TMPDIR", tmp.toString());
      }
      Process p = pb.start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (p.waitFor() != 0) {
        throw new IllegalStateException(String.join(" ", command) + " failed:\n" + out);
      }
      return out;
    }

    @Override
    public void close() {
      try {
        run("rm", "--all");
        run("rmi", "--all", "--force");
      } catch (Exception e) {
        System.err.println("buildah clean-up in " + dir + ": " + e.getMessage());
      }
      delete(dir);
    }
  }

  /**
   * buildah (containers/image) writes a blob-info cache to /var/lib/containers/cache when run as
   * root, whatever --root says, and creates /run/containers/networks. We remove them at the end if
   * they did not exist before, and clear the cache between cold runs only if it is ours.
   */
  static final class BuildahTraces {
    private static final Path VAR_LIB = Path.of("/var/lib/containers");
    private static final Path RUN = Path.of("/run/containers");
    private static boolean varLibWasThere;
    private final boolean runWasThere;

    BuildahTraces() {
      varLibWasThere = Files.exists(VAR_LIB);
      runWasThere = Files.exists(RUN);
    }

    static void clearBlobInfoCacheIfOurs() {
      if (!varLibWasThere) {
        delete(VAR_LIB.resolve("cache"));
      }
    }

    void removeOurs() {
      if (!varLibWasThere) {
        delete(VAR_LIB);
      }
      if (!runWasThere) {
        delete(RUN);
      }
    }
  }
}
