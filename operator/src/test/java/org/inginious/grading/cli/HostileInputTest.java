package org.inginious.grading.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.fabric8.zjsonpatch.JsonPatch;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.inginious.grading.api.CrdSchemaValidator;
import org.inginious.grading.api.GradingEnvironment;
import org.inginious.grading.config.OperatorConfig;
import org.inginious.grading.placement.GradingNetworkPolicies;
import org.inginious.grading.placement.GradingPodTemplates;
import org.inginious.grading.placement.ResolvedRuntime;
import org.inginious.grading.reconciler.DesiredStateMatcher;
import org.inginious.grading.reconciler.UnreadableEnvironments;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The hostile-input corpus (src/test/resources/hostile/, format in its README), one table: every
 * manifest, config, command line, stored object and hand edit with its expected outcome. No command
 * may print a stack trace or the word Exception, whatever the input.
 */
public class HostileInputTest {
  static final Path ROOT =
      Path.of(System.getProperty("project.root", "..")).toAbsolutePath().normalize();
  public static final Path CORPUS = ROOT.resolve("operator/src/test/resources/hostile");
  private static final Pattern STACK_FRAME = Pattern.compile("(?m)^\\s+at [\\w$.]+\\(");
  private static final CrdSchemaValidator CRD = CrdSchemaValidator.generated();
  private static final KubernetesSerialization JSON = new KubernetesSerialization();

  /** An input: its file (or command line) and its header, key to values. */
  record Input(String kind, Path file, String commandLine, Map<String, List<String>> header) {
    String one(String key) {
      List<String> values = header.getOrDefault(key, List.of());
      return values.isEmpty() ? null : values.get(0);
    }

    List<String> all(String key) {
      return header.getOrDefault(key, List.of());
    }
  }

  static Stream<Arguments> corpus() throws IOException {
    List<Arguments> inputs = new ArrayList<>();
    for (String kind : List.of("manifests", "configs", "stored", "edits")) {
      inputs(kind)
          .forEach(
              f ->
                  inputs.add(
                      arguments(
                          kind + "/" + f.getFileName(), new Input(kind, f, null, header(f)))));
    }
    for (String line : Files.readAllLines(CORPUS.resolve("commands.txt"))) {
      if (!line.isBlank() && !line.startsWith("#")) {
        String[] parts = line.split("\\s*\\|\\s*", 3);
        inputs.add(
            arguments(
                "commands: " + parts[2],
                new Input(
                    "commands",
                    null,
                    parts[2],
                    Map.of("exit", List.of(parts[0].strip()), "error", List.of(parts[1])))));
      }
    }
    return inputs.stream();
  }

  /** The inputs of one folder of the corpus (manifests, configs, stored, edits). */
  public static List<Path> inputs(String kind) {
    try (Stream<Path> files = Files.list(CORPUS.resolve(kind))) {
      return files
          .filter(
              f -> f.toString().endsWith(".yaml") && !f.getFileName().toString().startsWith("_"))
          .sorted()
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The `# key: value` lines an input starts with. */
  public static Map<String, List<String>> header(Path file) {
    Map<String, List<String>> header = new LinkedHashMap<>();
    try {
      for (String line : Files.readAllLines(file)) {
        if (!line.startsWith("# ") || !line.contains(": ")) {
          break;
        }
        int colon = line.indexOf(": ");
        header
            .computeIfAbsent(line.substring(2, colon), k -> new ArrayList<>())
            .add(line.substring(colon + 2));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return header;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("corpus")
  void hostileInputHasItsExpectedOutcome(String name, Input input) throws Exception {
    switch (input.kind()) {
      case "manifests" -> manifest(input);
      case "configs" -> config(input);
      case "commands" -> command(input);
      case "stored" -> stored(input);
      case "edits" -> edit(input);
      default -> throw new IllegalArgumentException(input.kind());
    }
  }

  // ---- manifests: validate and render; the CRD says the same
  // -------------------------------------

  private static void manifest(Input input) {
    int exit = Integer.parseInt(input.one("exit"));
    for (String command : List.of("validate", "render")) {
      Run run = run(command, "-f", input.file().toString());
      assertThat(run.exitCode()).as("%s exit code: %s", command, run.err()).isEqualTo(exit);
      input.all("error").forEach(fragment -> assertThat(run.err()).as(command).contains(fragment));
      if (exit != 0) {
        assertThat(run.err().lines())
            .as("every problem is one line naming the file")
            .allMatch(l -> l.startsWith(input.file() + ": "));
      }
    }
    String crd = input.one("crd");
    if (crd != null) {
      JsonNode document = onlyEnvironment(input.file());
      List<String> errors = CRD.validate(document);
      if (crd.equals("accepted")) {
        assertThat(errors).as("the CRD accepts it too").isEmpty();
      } else {
        assertThat(errors)
            .as("the CRD rejects it too")
            .anySatisfy(e -> assertThat(e).contains(crd));
      }
    }
  }

  /** The one GradingEnvironment of a file, read as `validate` reads it. */
  public static JsonNode onlyEnvironment(Path file) {
    try {
      List<JsonNode> environments =
          YamlDocuments.read(file).stream()
              .filter(d -> d != null && "GradingEnvironment".equals(d.path("kind").asText()))
              .toList();
      assertThat(environments)
          .as("a crd: line needs exactly one GradingEnvironment in %s", file)
          .hasSize(1);
      return environments.get(0);
    } catch (IOException | YamlDocuments.Unreadable e) {
      throw new IllegalStateException(e);
    }
  }

  // ---- configs: render stops with exit 1, run with exit 2, each with one line naming the key
  // ---------

  private static void config(Input input) {
    String error = input.one("error");
    Run render =
        run(
            "render",
            "-f",
            ROOT.resolve("examples/prebuilt-default.yaml").toString(),
            "--config",
            input.file().toString());
    assertThat(render.exitCode()).as(render.err()).isEqualTo(1);
    assertThat(render.err().strip())
        .doesNotContain("\n")
        .contains(input.file().toString())
        .contains(error);
    Run operator = run("run", "--config", input.file().toString());
    assertThat(operator.exitCode()).as(operator.err()).isEqualTo(2);
    assertThat(operator.err().strip()).doesNotContain("\n").contains(error);
  }

  // ---- command lines
  // ----------------------------------------------------------------------------------

  private static void command(Input input) {
    String[] args =
        input
            .commandLine()
            .replace("{root}", ROOT.toString())
            .replace("{hostile}", CORPUS.toString())
            .split("\\s+");
    Run run = run(args);
    assertThat(run.exitCode()).as(run.err()).isEqualTo(Integer.parseInt(input.one("exit")));
    assertThat(run.out() + run.err()).contains(input.one("error"));
  }

  // ---- stored objects: read as the operator reads them
  // ---------------------------------------------------

  private static void stored(Input input) throws IOException {
    String json = JSON.asJson(onlyEnvironment(input.file()));
    KubernetesSerialization operatorReading = UnreadableEnvironments.serialization();
    GradingEnvironment environment = operatorReading.unmarshal(json, GradingEnvironment.class);
    assertThat(environment.getMetadata().getName()).isNotBlank();
    String unreadable = input.one("unreadable");
    if (unreadable == null) {
      assertThat(UnreadableEnvironments.problem(environment)).isEmpty();
      assertThat(environment.getSpec()).isNotNull();
      return;
    }
    assertThatThrownBy(() -> JSON.unmarshal(json, GradingEnvironment.class))
        .as("fabric8's own reading fails: this is what used to stop the informer");
    assertThat(UnreadableEnvironments.problem(environment))
        .hasValueSatisfying(
            p ->
                assertThat(p)
                    .contains(unreadable)
                    .doesNotContain("Exception")
                    .doesNotContain("org.inginious"));
    assertThat(environment.getSpec()).isNull();
    assertThat(environment.getMetadata().getUid())
        .as("metadata is kept: status and cleanup need it")
        .isNotNull();
    // JOSDK clones an environment through JSON before reconciling it: the mark must survive that
    assertThat(UnreadableEnvironments.problem(operatorReading.clone(environment)))
        .isEqualTo(UnreadableEnvironments.problem(environment));
    JsonNode metadata = onlyEnvironment(input.file()).path("metadata");
    metadata
        .path("annotations")
        .fields()
        .forEachRemaining(
            a ->
                assertThat(environment.getMetadata().getAnnotations())
                    .containsEntry(a.getKey(), a.getValue().asText()));
  }

  // ---- hand edits of what the operator created
  // ----------------------------------------------------------

  private static void edit(Input input) throws Exception {
    GradingEnvironment environment =
        JSON.convertValue(
            onlyEnvironment(CORPUS.resolve("edits/_environment.yaml")), GradingEnvironment.class);
    environment.getMetadata().setNamespace("grading");
    environment.getMetadata().setUid("uid-drift");
    HasMetadata desired =
        input.one("object").equals("NetworkPolicy")
            ? GradingNetworkPolicies.denyAll(environment)
            : GradingPodTemplates.render(
                environment,
                "registry.example.edu/inginious/env-drift@sha256:" + "a".repeat(64),
                ResolvedRuntime.resolve(environment.getSpec().grading, OperatorConfig.defaults()));
    JsonNode stored = asStoredByTheApiServer(desired);
    assertThat(DesiredStateMatcher.satisfies(stored, desired))
        .as("as the API server stores it: no drift")
        .isTrue();

    JsonNode edit = edit(input.file());
    JsonNode edited =
        edit.isArray() ? JsonPatch.apply(edit, stored) : mergePatch(stored.deepCopy(), edit);
    assertThat(DesiredStateMatcher.satisfies(edited, desired))
        .as("satisfied after %s", input.one("why"))
        .isEqualTo(input.one("drift").equals("no"));
  }

  /** An edit: a JSON merge patch (an object) or a JSON patch (a list). */
  public static JsonNode edit(Path file) {
    try {
      return YamlDocuments.read(file).get(0);
    } catch (IOException | YamlDocuments.Unreadable e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * What kube-apiserver keeps of a PodTemplate or NetworkPolicy we create: ours, its metadata and
   * its defaults.
   */
  private static JsonNode asStoredByTheApiServer(HasMetadata object) {
    ObjectNode stored = JSON.convertValue(object, ObjectNode.class);
    ObjectNode metadata = (ObjectNode) stored.get("metadata");
    metadata
        .put("uid", "uid-object")
        .put("resourceVersion", "7")
        .put("creationTimestamp", "2026-01-01T00:00:00Z");
    JsonNode pod = stored.path("template").path("spec");
    if (pod instanceof ObjectNode spec) {
      spec.put("dnsPolicy", "ClusterFirst")
          .put("schedulerName", "default-scheduler")
          .put("terminationGracePeriodSeconds", 30);
      ((ObjectNode) stored.get("template").get("metadata")).putNull("creationTimestamp");
      for (JsonNode container : spec.path("containers")) {
        ((ObjectNode) container)
            .put("terminationMessagePath", "/dev/termination-log")
            .put("terminationMessagePolicy", "File")
            .put("imagePullPolicy", "IfNotPresent");
      }
    }
    return stored;
  }

  /** RFC 7386, as kubectl patch --type merge. */
  static JsonNode mergePatch(JsonNode target, JsonNode patch) {
    if (!patch.isObject()) {
      return patch;
    }
    ObjectNode result =
        target != null && target.isObject()
            ? (ObjectNode) target
            : JsonNodeFactory.instance.objectNode();
    for (Iterator<Map.Entry<String, JsonNode>> fields = patch.fields(); fields.hasNext(); ) {
      Map.Entry<String, JsonNode> field = fields.next();
      if (field.getValue().isNull()) {
        result.remove(field.getKey());
      } else {
        result.set(field.getKey(), mergePatch(result.get(field.getKey()), field.getValue()));
      }
    }
    return result;
  }

  // ---- running a command
  // -----------------------------------------------------------------------------------

  record Run(int exitCode, String out, String err) {}

  static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code =
        Main.commandLine().setOut(new PrintWriter(out)).setErr(new PrintWriter(err)).execute(args);
    Run run = new Run(code, out.toString(), err.toString());
    String printed = run.out() + run.err();
    assertThat(printed).as("what %s printed", String.join(" ", args)).doesNotContain("Exception");
    assertThat(STACK_FRAME.matcher(printed).find())
        .as("a stack frame in what %s printed:%n%s", String.join(" ", args), printed)
        .isFalse();
    return run;
  }
}
