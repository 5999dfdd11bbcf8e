package org.inginious.grading.reconciler;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.BeanDescription;
import com.fasterxml.jackson.databind.DeserializationConfig;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.deser.BeanDeserializerModifier;
import com.fasterxml.jackson.databind.deser.std.DelegatingDeserializer;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.inginious.grading.api.GradingEnvironment;
import org.inginious.grading.api.GradingEnvironmentStatus;
import org.inginious.grading.api.ReadProblems;

/**
 * How the operator reads GradingEnvironments. One whose spec does not map onto this operator's
 * types (a field or value of a newer CRD, a number beyond its range: version skew) would make
 * fabric8's informer fail and JOSDK stop the whole operator. Read through this serialization it
 * becomes an environment without spec, marked with why, which the reconciler reports in its status
 * while every other environment goes on. A status it cannot read (a newer operator wrote it) is
 * dropped and written anew.
 */
public final class UnreadableEnvironments {
  /**
   * The mark, in memory only: JOSDK clones an environment through JSON before reconciling it, so
   * the mark rides in metadata; the operator never writes an environment's metadata (status only).
   */
  static final String ANNOTATION = "grading.inginious.org/unreadable-spec";

  private UnreadableEnvironments() {}

  /** fabric8's serialization, with GradingEnvironments read as above. */
  public static KubernetesSerialization serialization() {
    ObjectMapper mapper = new ObjectMapper();
    mapper.registerModule(
        new SimpleModule("unreadable-environments")
            .setDeserializerModifier(
                new BeanDeserializerModifier() {
                  @Override
                  public JsonDeserializer<?> modifyDeserializer(
                      DeserializationConfig config,
                      BeanDescription bean,
                      JsonDeserializer<?> deserializer) {
                    return bean.getBeanClass() == GradingEnvironment.class
                        ? new Tolerant(deserializer)
                        : deserializer;
                  }
                }));
    return new KubernetesSerialization(mapper, true);
  }

  /**
   * Why this environment could not be read ("unknown field spec.grading.shmSize ..."), if it could
   * not.
   */
  public static Optional<String> problem(GradingEnvironment environment) {
    Map<String, String> annotations =
        environment.getMetadata() == null ? null : environment.getMetadata().getAnnotations();
    return Optional.ofNullable(annotations == null ? null : annotations.get(ANNOTATION));
  }

  private static final class Tolerant extends DelegatingDeserializer {
    Tolerant(JsonDeserializer<?> delegate) {
      super(delegate);
    }

    @Override
    protected JsonDeserializer<?> newDelegatingInstance(JsonDeserializer<?> delegate) {
      return new Tolerant(delegate);
    }

    @Override
    public Object deserialize(JsonParser parser, DeserializationContext context)
        throws IOException {
      JsonNode tree = context.readTree(parser);
      try {
        return read(tree, parser, context);
      } catch (JsonMappingException e) {
        if (ReadProblems.path(e).startsWith("status") && tree instanceof ObjectNode object) {
          object.remove("status");
          try {
            return read(object, parser, context);
          } catch (JsonMappingException again) {
            return unreadable(object, again, context);
          }
        }
        return unreadable(tree, e, context);
      }
    }

    private Object read(JsonNode tree, JsonParser parser, DeserializationContext context)
        throws IOException {
      try (JsonParser treeParser = tree.traverse(parser.getCodec())) {
        treeParser.nextToken();
        return getDelegatee().deserialize(treeParser, context);
      }
    }

    /** Metadata and (if it reads) status, no spec, and the mark. */
    private static GradingEnvironment unreadable(
        JsonNode tree, JsonMappingException problem, DeserializationContext context)
        throws IOException {
      if (!tree.path("metadata").isObject()) {
        throw problem; // not an environment at all: nothing to report on
      }
      GradingEnvironment environment = new GradingEnvironment();
      environment.setMetadata(context.readTreeAsValue(tree.get("metadata"), ObjectMeta.class));
      Map<String, String> annotations = new LinkedHashMap<>();
      if (environment.getMetadata().getAnnotations() != null) {
        annotations.putAll(environment.getMetadata().getAnnotations());
      }
      annotations.put(ANNOTATION, ReadProblems.describe(problem));
      environment.getMetadata().setAnnotations(annotations);
      try {
        environment.setStatus(
            tree.hasNonNull("status")
                ? context.readTreeAsValue(tree.get("status"), GradingEnvironmentStatus.class)
                : null);
      } catch (JsonMappingException e) {
        environment.setStatus(null);
      }
      environment.setSpec(null);
      return environment;
    }
  }
}
