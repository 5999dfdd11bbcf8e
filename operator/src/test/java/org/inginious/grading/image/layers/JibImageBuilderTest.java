package org.inginious.grading.image.layers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.inginious.grading.image.layers.BuildFailure.Reason;
import org.inginious.grading.image.layers.LayersBuildRequest.FileEntry;
import org.inginious.grading.image.registry.RegistryCredentials;
import org.inginious.grading.testing.LocalRegistry;
import org.inginious.grading.testing.RegistryContents;
import org.inginious.grading.testing.RegistryContents.LayerEntry;
import org.inginious.grading.testing.RegistryContents.Manifest;
import org.inginious.grading.testing.TestImages;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Real jib builds, really pushed to Debian's docker-registry on 127.0.0.1. */
class JibImageBuilderTest {

  @RegisterExtension static final LocalRegistry REGISTRY = LocalRegistry.open();

  private static final String RUNNER = "#!/bin/sh\nexec python3 /task/run.py \"$@\"\n";
  private static final Map<String, String> LABELS =
      Map.of(
          "org.inginious.grading.name", "oz",
          "org.inginious.grading.need_root", "");

  private static String baseDigest;
  private static RegistryContents registry;

  @TempDir Path cache;
  private JibImageBuilder builder;
  private final List<String> jibLog = new CopyOnWriteArrayList<>();
  private static int repositories;

  @BeforeAll
  static void pushBase() {
    baseDigest =
        TestImages.push(
            REGISTRY.host(),
            "inginious/base",
            "v1",
            Map.of(
                "org.inginious.grading.agent_version", "3", "org.inginious.grading.name", "base"));
    registry = new RegistryContents(REGISTRY.host());
  }

  @BeforeEach
  void newBuilder() {
    builder = new JibImageBuilder(cache.resolve("base"), cache.resolve("app"), jibLog::add);
  }

  @Test
  void buildsFromScratchWithFilesEnvWorkingDirAndLabels() throws Exception {
    String repository = newRepository();
    BuildResult result = builder.build(request(Optional.empty(), repository + ":h1", RUNNER));

    Manifest manifest = registry.manifest(repository, "h1");
    assertThat(result.digest()).isEqualTo(manifest.digest()).startsWith("sha256:");
    assertThat(result.imageReference())
        .isEqualTo(REGISTRY.host() + "/" + repository + "@" + manifest.digest());
    assertThat(registry.manifest(repository, result.digest()).digest()).isEqualTo(result.digest());
    assertThat(manifest.layerDigests()).hasSize(1);
    assertThat(result.uploadedLayerBlobs()).isEqualTo(1);
    assertThat(result.uploadedBlobs()).isEqualTo(2); // the layer and the config

    JsonNode config = registry.config(repository, manifest);
    assertThat(labels(config)).isEqualTo(LABELS);
    assertThat(env(config)).containsExactly("LANG=C.UTF-8", "RUNNER=/opt/runner/run.sh");
    assertThat(config.path("config").path("WorkingDir").asText()).isEqualTo("/task");
    assertThat(config.path("created").asText()).isEqualTo("1970-01-01T00:00:00Z");
    assertThat(config.path("architecture").asText()).isEqualTo("amd64");

    Map<String, LayerEntry> files = registry.layer(repository, manifest.layerDigests().get(0));
    assertThat(files.get("/opt/runner/run.sh").text()).isEqualTo(RUNNER);
    assertThat(files.get("/opt/runner/run.sh").mode()).isEqualTo(0755);
    assertThat(files.get("/opt/oz/lib/Base.oz").text()).isEqualTo("functor\nend\n");
    assertThat(files.get("/opt/oz/lib/Base.oz").mode()).isEqualTo(0644);
    assertThat(files.get("/opt/oz/lib/secret.key").mode()).isEqualTo(0600);
    assertThat(files.get("/opt/oz/lib/secret.key").content()).containsExactly(0, 1, 2, (byte) 0xff);
    assertThat(files.values())
        .filteredOn(e -> !e.directory())
        .extracting(LayerEntry::modifiedEpochSecond)
        .containsOnly(1L); // jib's reproducible default, never the staging file's time
    assertThat(files.get("/opt").directory()).isTrue();
    assertThat(files.get("/opt").mode()).isEqualTo(0755);
  }

  @Test
  void buildsFromABaseImageKeepingItsLayerAndLabels() throws Exception {
    String repository = newRepository();
    String base = REGISTRY.host() + "/inginious/base@" + baseDigest;
    BuildResult result = builder.build(request(Optional.of(base), repository + ":h1", RUNNER));

    Manifest manifest = registry.manifest(repository, "h1");
    Manifest baseManifest = registry.manifest("inginious/base", baseDigest);
    assertThat(result.digest()).isEqualTo(manifest.digest());
    assertThat(manifest.layerDigests()).hasSize(2);
    assertThat(manifest.layerDigests().get(0)).isEqualTo(baseManifest.layerDigests().get(0));
    // the base layer is mounted from inginious/base in the same registry: neither uploaded nor
    // downloaded into jib's base-layer cache
    assertThat(result.uploadedLayerBlobs()).isEqualTo(1);
    assertThat(jibLog).anyMatch(l -> l.contains("base layers mounted into " + repository + ": 1"));
    assertThat(jibLog).anyMatch(l -> l.contains("Skipping pull; BLOB already exists"));
    try (var cached = Files.walk(cache.resolve("base"))) {
      assertThat(cached.filter(Files::isRegularFile).map(Path::toString))
          .noneMatch(f -> f.contains(baseManifest.layerDigests().get(0).substring(7)));
    }

    JsonNode config = registry.config(repository, manifest);
    assertThat(labels(config))
        .containsEntry("org.inginious.grading.agent_version", "3") // from the base
        .containsEntry("org.inginious.grading.name", "oz") // ours wins
        .containsEntry("org.inginious.grading.need_root", "");
    assertThat(env(config)).contains("LANG=C.UTF-8", "RUNNER=/opt/runner/run.sh");

    assertThat(registry.layer(repository, manifest.layerDigests().get(0)))
        .containsKey("/hello.txt");
    Map<String, LayerEntry> ours = registry.layer(repository, manifest.layerDigests().get(1));
    assertThat(ours)
        .containsKeys("/opt/runner/run.sh", "/opt/oz/lib/Base.oz")
        .doesNotContainKey("/hello.txt");
  }

  @Test
  void sameRequestGivesSameDigestAndUploadsNothingTheSecondTime() throws Exception {
    String repository = newRepository();
    String base = REGISTRY.host() + "/inginious/base:v1";
    LayersBuildRequest request = request(Optional.of(base), repository + ":h1", RUNNER);

    BuildResult first = builder.build(request);
    jibLog.clear();
    BuildResult second = builder.build(request);

    assertThat(second.digest()).isEqualTo(first.digest());
    assertThat(second.uploadedLayerBlobs()).isZero();
    assertThat(second.uploadedBlobs()).isZero();
    assertThat(jibLog).anyMatch(l -> l.contains("Skipping push; BLOB already exists"));

    // reproducible across caches, map orders and operator restarts, not only thanks to a cache
    Path otherCache = Files.createTempDirectory(cache, "other-");
    JibImageBuilder fresh = new JibImageBuilder(otherCache.resolve("b"), otherCache.resolve("a"));
    Map<String, String> reversedEnv = new LinkedHashMap<>();
    reversedEnv.put("RUNNER", "/opt/runner/run.sh");
    reversedEnv.put("LANG", "C.UTF-8");
    BuildResult third = fresh.build(withEnv(request, reversedEnv));
    assertThat(third.digest()).isEqualTo(first.digest());
    assertThat(third.uploadedLayerBlobs()).isZero();

    // one changed file: a new layer, a new digest
    BuildResult changed =
        builder.build(request(Optional.of(base), repository + ":h2", RUNNER + "# v2\n"));
    assertThat(changed.digest()).isNotEqualTo(first.digest());
    assertThat(changed.uploadedLayerBlobs()).isEqualTo(1);
    assertThat(registry.manifest(repository, "h2").digest()).isEqualTo(changed.digest());
    assertThat(registry.manifest(repository, "h1").digest()).isEqualTo(first.digest());
  }

  @Test
  void missingBaseImageIsBaseImageNotFound() {
    String base = REGISTRY.host() + "/inginious/no-such-base:v1";
    assertThatThrownBy(
            () -> builder.build(request(Optional.of(base), newRepository() + ":h1", RUNNER)))
        .isInstanceOfSatisfying(
            BuildFailure.class,
            e -> {
              assertThat(e.reason()).isEqualTo(Reason.BASE_IMAGE_NOT_FOUND);
              assertThat(e.reason().conditionReason()).isEqualTo("BaseImageNotFound");
              assertThat(e.getMessage()).contains(base).contains("manifest unknown");
            });
  }

  @Test
  void wrongPushCredentialsArePushUnauthorizedAndNeverShown() throws Exception {
    try (LocalRegistry secured = LocalRegistry.withHtpasswd("robot", "s3cret")) {
      String target = secured.host() + "/inginious/oz:h1";
      LayersBuildRequest wrong =
          withTarget(
              request(Optional.empty(), "unused:h1", RUNNER),
              target,
              Optional.of(new RegistryCredentials("robot", "hunter2")));

      assertThatThrownBy(() -> builder.build(wrong))
          .isInstanceOfSatisfying(
              BuildFailure.class,
              e -> {
                assertThat(e.reason()).isEqualTo(Reason.PUSH_UNAUTHORIZED);
                assertThat(e.getMessage())
                    .contains(secured.host() + "/inginious/oz")
                    .contains("pushSecretRef");
                for (Throwable t = e; t != null; t = t.getCause()) {
                  assertThat(String.valueOf(t.getMessage())).doesNotContain("hunter2");
                }
              });
      assertThat(wrong.toString()).doesNotContain("hunter2").contains("robot:***");
      assertThat(jibLog).noneMatch(l -> l.contains("hunter2"));

      assertThatThrownBy(() -> builder.build(withTarget(wrong, target, Optional.empty())))
          .isInstanceOfSatisfying(
              BuildFailure.class,
              e -> {
                assertThat(e.reason()).isEqualTo(Reason.PUSH_UNAUTHORIZED);
                assertThat(e.getMessage()).contains("needs credentials");
              });

      // the right credentials go through, over plain HTTP because the request says insecure
      BuildResult ok =
          builder.build(
              withTarget(wrong, target, Optional.of(new RegistryCredentials("robot", "s3cret"))));
      assertThat(ok.digest()).startsWith("sha256:");
      assertThat(ok.uploadedLayerBlobs()).isEqualTo(1);

      // a base there without pull credentials: refused pull, reported against the base
      LayersBuildRequest fromPrivateBase =
          new LayersBuildRequest(
              Optional.of(target),
              Optional.empty(),
              wrong.files(),
              wrong.env(),
              wrong.workingDir(),
              wrong.labels(),
              newRepositoryIn(REGISTRY) + ":h1",
              Optional.empty(),
              true,
              wrong.timeout());
      assertThatThrownBy(() -> builder.build(fromPrivateBase))
          .isInstanceOfSatisfying(
              BuildFailure.class,
              e -> {
                assertThat(e.reason()).isEqualTo(Reason.BASE_IMAGE_NOT_FOUND);
                assertThat(e.getMessage()).contains(target).contains("pull secret");
              });
      LayersBuildRequest withPullSecret =
          new LayersBuildRequest(
              fromPrivateBase.base(),
              Optional.of(new RegistryCredentials("robot", "s3cret")),
              wrong.files(),
              wrong.env(),
              wrong.workingDir(),
              wrong.labels(),
              fromPrivateBase.target(),
              Optional.empty(),
              true,
              wrong.timeout());
      assertThat(builder.build(withPullSecret).digest()).startsWith("sha256:");
    }
  }

  @Test
  void stoppedRegistryIsRegistryUnavailableQuickly() {
    try (LocalRegistry stopped = LocalRegistry.open()) {
      stopped.stop();
      LayersBuildRequest request =
          withTarget(
              request(Optional.empty(), "unused:h1", RUNNER),
              stopped.host() + "/inginious/oz:h1",
              Optional.empty());
      long start = System.nanoTime();
      assertThatThrownBy(() -> builder.build(request))
          .isInstanceOfSatisfying(
              BuildFailure.class,
              e -> {
                assertThat(e.reason()).isEqualTo(Reason.REGISTRY_UNAVAILABLE);
                assertThat(e.getMessage()).contains(stopped.host()).contains("Connection refused");
              });
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
    }
  }

  @Test
  void registryStoppingMidwayIsRegistryUnavailableWithoutJibsRetries() throws Exception {
    try (LocalRegistry flaky = LocalRegistry.open()) {
      TestImages.push(flaky.host(), "inginious/base", "v1", Map.of());
      // Stop the registry once jib has read the base manifest: the blob requests then fail, and
      // jib would retry them with back-off for up to 15 minutes.
      List<String> lines = new CopyOnWriteArrayList<>();
      JibImageBuilder stopping =
          new JibImageBuilder(
              cache.resolve("b2"),
              cache.resolve("a2"),
              line -> {
                lines.add(line);
                if (line.contains("Using base image with digest")) {
                  flaky.stop();
                }
              });
      LayersBuildRequest request =
          withTarget(
              request(Optional.of(flaky.host() + "/inginious/base:v1"), "unused:h1", RUNNER),
              flaky.host() + "/inginious/oz:h1",
              Optional.empty());
      long start = System.nanoTime();
      assertThatThrownBy(() -> stopping.build(request))
          .isInstanceOfSatisfying(
              BuildFailure.class,
              e -> {
                assertThat(e.reason()).isEqualTo(Reason.REGISTRY_UNAVAILABLE);
                assertThat(e.getMessage()).contains(flaky.host()).contains("stopped answering");
              });
      assertThat(lines).anyMatch(l -> l.contains("Using base image with digest"));
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
    }
  }

  @Test
  void buildLongerThanTimeoutIsBuildTimeout() {
    LayersBuildRequest quick =
        request(
            Optional.of(REGISTRY.host() + "/inginious/base:v1"), newRepository() + ":h1", RUNNER);
    LayersBuildRequest request =
        new LayersBuildRequest(
            quick.base(),
            quick.baseCredentials(),
            quick.files(),
            quick.env(),
            quick.workingDir(),
            quick.labels(),
            quick.target(),
            quick.targetCredentials(),
            true,
            Duration.ofMillis(1));
    long start = System.nanoTime();
    assertThatThrownBy(() -> builder.build(request))
        .isInstanceOfSatisfying(
            BuildFailure.class,
            e -> {
              assertThat(e.reason()).isEqualTo(Reason.BUILD_TIMEOUT);
              assertThat(e.getMessage()).contains("1ms").contains("spec.build.timeout");
            });
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
  }

  @Test
  void invalidReferencesAreBuildFailed() {
    assertThatThrownBy(
            () ->
                builder.build(
                    request(Optional.empty(), REGISTRY.host() + "/Upper/Case:h1", RUNNER)))
        .isInstanceOfSatisfying(
            BuildFailure.class,
            e -> {
              assertThat(e.reason()).isEqualTo(Reason.BUILD_FAILED);
              assertThat(e.getMessage()).contains("Upper/Case").contains("not a valid target");
            });
  }

  @Test
  void requestsRejectBadFilesAndModes() {
    assertThat(FileEntry.parseMode("0755")).isEqualTo(0755);
    assertThat(FileEntry.parseMode("644")).isEqualTo(0644);
    assertThatThrownBy(() -> FileEntry.parseMode("0999")).hasMessageContaining("octal");
    assertThatThrownBy(() -> FileEntry.parseMode("4755")).hasMessageContaining("setuid");
    assertThatThrownBy(() -> FileEntry.of("relative/path", "x", 0644))
        .hasMessageContaining("absolute");
    assertThatThrownBy(
            () ->
                new LayersBuildRequest(
                    Optional.empty(),
                    Optional.empty(),
                    List.of(FileEntry.of("/a", "1", 0644), FileEntry.of("/a", "2", 0644)),
                    Map.of(),
                    null,
                    Map.of(),
                    "x:y",
                    Optional.empty(),
                    true,
                    Duration.ofMinutes(1)))
        .hasMessageContaining("same path");
  }

  // --- helpers

  private static LayersBuildRequest request(
      Optional<String> base, String repositoryAndTag, String runner) {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("LANG", "C.UTF-8");
    env.put("RUNNER", "/opt/runner/run.sh");
    return new LayersBuildRequest(
        base,
        Optional.empty(),
        List.of(
            FileEntry.of("/opt/runner/run.sh", runner, 0755),
            FileEntry.of("/opt/oz/lib/Base.oz", "functor\nend\n", FileEntry.parseMode("0644")),
            new FileEntry("/opt/oz/lib/secret.key", new byte[] {0, 1, 2, (byte) 0xff}, 0600)),
        env,
        "/task",
        LABELS,
        repositoryAndTag.contains("/")
            ? REGISTRY.host() + "/" + repositoryAndTag
            : repositoryAndTag,
        Optional.empty(),
        true,
        Duration.ofMinutes(1));
  }

  private static LayersBuildRequest withTarget(
      LayersBuildRequest r, String target, Optional<RegistryCredentials> credentials) {
    return new LayersBuildRequest(
        r.base(),
        r.baseCredentials(),
        r.files(),
        r.env(),
        r.workingDir(),
        r.labels(),
        target,
        credentials,
        r.insecure(),
        r.timeout());
  }

  private static LayersBuildRequest withEnv(LayersBuildRequest r, Map<String, String> env) {
    return new LayersBuildRequest(
        r.base(),
        r.baseCredentials(),
        r.files(),
        env,
        r.workingDir(),
        r.labels(),
        r.target(),
        r.targetCredentials(),
        r.insecure(),
        r.timeout());
  }

  private static String newRepositoryIn(LocalRegistry r) {
    return r.host() + "/" + newRepository();
  }

  private static synchronized String newRepository() {
    return "inginious/env-" + (++repositories);
  }

  private static Map<String, String> labels(JsonNode config) {
    Map<String, String> labels = new LinkedHashMap<>();
    config
        .path("config")
        .path("Labels")
        .fields()
        .forEachRemaining(e -> labels.put(e.getKey(), e.getValue().asText()));
    return labels;
  }

  private static List<String> env(JsonNode config) {
    List<String> env = new ArrayList<>();
    config.path("config").path("Env").forEach(e -> env.add(e.asText()));
    return env;
  }
}
