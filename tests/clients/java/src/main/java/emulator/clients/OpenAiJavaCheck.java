package emulator.clients;

import com.openai.azure.AzureOpenAIServiceVersion;
import com.openai.azure.AzureUrlPathMode;
import com.openai.azure.credential.AzureApiKeyCredential;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.HttpResponse;
import com.openai.core.http.StreamResponse;
import com.openai.errors.NotFoundException;
import com.openai.models.audio.speech.SpeechCreateParams;
import com.openai.models.audio.transcriptions.TranscriptionCreateParams;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.completions.Completion;
import com.openai.models.completions.CompletionCreateParams;
import com.openai.models.embeddings.CreateEmbeddingResponse;
import com.openai.models.embeddings.EmbeddingCreateParams;
import com.openai.models.images.Image;
import com.openai.models.images.ImageGenerateParams;
import com.openai.models.responses.Response;
import com.openai.models.responses.ResponseCreateParams;
import com.openai.models.responses.ResponseOutputItem;
import com.openai.models.responses.ResponseStreamEvent;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;

/**
 * openai-java with its Azure settings against a live emulator, over HTTPS: one line per case,
 * "PASS case" or "FAIL case: why".
 */
public final class OpenAiJavaCheck {
    private static final String ENDPOINT = System.getenv("EMULATOR_ENDPOINT");
    private static final String KEY = System.getenv("EMULATOR_KEY");
    private static final String QUESTION = "Name two rivers in Europe.";

    private OpenAiJavaCheck() {}

    static OpenAIOkHttpClient.Builder builder() {
        // The client tells Azure from OpenAI by the host name (*.openai.azure.com and the
        // like); for any other host, such as the emulator's, the Azure path is asked for.
        return OpenAIOkHttpClient.builder()
            .baseUrl(ENDPOINT)
            .credential(AzureApiKeyCredential.create(KEY))
            .azureServiceVersion(AzureOpenAIServiceVersion.fromString("2025-04-01-preview"))
            .azureUrlPathMode(AzureUrlPathMode.LEGACY);
    }

    static void check(boolean condition, String why) {
        if (!condition) {
            throw new IllegalStateException(why);
        }
    }

    static ChatCompletionCreateParams question() {
        return ChatCompletionCreateParams.builder().model("gpt-4o").addUserMessage(QUESTION).build();
    }

    static void chat(OpenAIClient client) {
        ChatCompletion answer = client.chat().completions().create(question());
        String content = answer.choices().get(0).message().content().orElse("");
        check(!content.isEmpty(), "no content");
        var usage = answer.usage().orElseThrow();
        check(usage.totalTokens() == usage.promptTokens() + usage.completionTokens(), "usage does not add up");
        // Azure's extra fields are kept as additional properties.
        check(answer._additionalProperties().containsKey("prompt_filter_results"), "no prompt_filter_results");
    }

    static void stream(OpenAIClient client) {
        String plain = client.chat().completions().create(question()).choices().get(0).message().content().orElse("");
        StringBuilder text = new StringBuilder();
        String[] finish = {null};
        try (StreamResponse<ChatCompletionChunk> events = client.chat().completions().createStreaming(question())) {
            events.stream().forEach(chunk -> chunk.choices().forEach(choice -> {
                choice.delta().content().ifPresent(text::append);
                choice.finishReason().ifPresent(reason -> finish[0] = reason.asString());
            }));
        }
        check(text.toString().equals(plain), "streamed text differs from the plain answer");
        check("stop".equals(finish[0]), "finish_reason " + finish[0]);
    }

    static void embeddings(OpenAIClient client) {
        CreateEmbeddingResponse result = client.embeddings().create(EmbeddingCreateParams.builder()
            .model("text-embedding-3-small")
            .inputOfArrayOfStrings(List.of("a river", "a lake"))
            .build());
        check(result.data().size() == 2, result.data().size() + " vectors");
        List<Float> vector = result.data().get(0).embedding();
        check(vector.size() == 1536, "length " + vector.size());
        double norm = 0;
        for (float x : vector) {
            norm += x * x;
        }
        check(Math.abs(Math.sqrt(norm) - 1) < 1e-3, "norm " + Math.sqrt(norm));
    }

    static void image(OpenAIClient client) {
        Image item = client.images().generate(ImageGenerateParams.builder()
            .model("dall-e-3")
            .prompt("a lighthouse")
            .responseFormat(ImageGenerateParams.ResponseFormat.B64_JSON)
            .build()).data().orElseThrow().get(0);
        byte[] png = Base64.getDecoder().decode(item.b64Json().orElseThrow());
        check(new String(png, 1, 3).equals("PNG"), "not a PNG");
        check(AzureAiOpenAiCheck.readIntBigEndian(png, 16) == 1024 && AzureAiOpenAiCheck.readIntBigEndian(png, 20) == 1024,
            "not 1024x1024");
        check(item.revisedPrompt().isPresent(), "no revised_prompt");
    }

    static byte[] speak(OpenAIClient client, String text, SpeechCreateParams.ResponseFormat format) throws Exception {
        try (HttpResponse response = client.audio().speech().create(SpeechCreateParams.builder()
                .model("tts")
                .input(text)
                .voice(SpeechCreateParams.Voice.UnionMember1.ALLOY)
                .responseFormat(format)
                .build())) {
            return response.body().readAllBytes();
        }
    }

    static void speech(OpenAIClient client) throws Exception {
        byte[] wav = speak(client, "Rivers run to the sea.", SpeechCreateParams.ResponseFormat.WAV);
        check(new String(wav, 0, 4).equals("RIFF") && new String(wav, 8, 4).equals("WAVE"), "not a WAV file");
        int rate = (wav[24] & 0xff) | (wav[25] & 0xff) << 8 | (wav[26] & 0xff) << 16 | (wav[27] & 0xff) << 24;
        check(rate == 24000, "sample rate " + rate);
    }

    static void transcription(OpenAIClient client) throws Exception {
        byte[] mp3 = speak(client, "Meet me at nine.", SpeechCreateParams.ResponseFormat.MP3);
        String heard = client.audio().transcriptions().create(TranscriptionCreateParams.builder()
            .model("whisper")
            .file(mp3)
            .build()).asTranscription().text();
        check("Meet me at nine.".equals(heard), "heard " + heard);
    }

    static void completions(OpenAIClient client) {
        Completion result = client.completions().create(CompletionCreateParams.builder()
            .model("gpt-35-turbo-instruct")
            .prompt("Once upon a time")
            .maxTokens(12)
            .build());
        check(!result.choices().get(0).text().isEmpty(), "no text");
        check(result.usage().orElseThrow().completionTokens() <= 12, "over max_tokens");
    }

    static void error(OpenAIClient ignored) {
        OpenAIClient client = builder().maxRetries(0).build();
        try {
            client.chat().completions().create(ChatCompletionCreateParams.builder()
                .model("no-such-deployment").addUserMessage(QUESTION).build());
        } catch (NotFoundException e) {
            check(e.statusCode() == 404, "status " + e.statusCode());
            check("DeploymentNotFound".equals(e.code().orElse(null)), "code " + e.code());
            return;
        }
        throw new IllegalStateException("no error");
    }

    static String text(Response response) {
        StringBuilder text = new StringBuilder();
        for (ResponseOutputItem item : response.output()) {
            item.message().ifPresent(message -> message.content().forEach(
                content -> content.outputText().ifPresent(part -> text.append(part.text()))));
        }
        return text.toString();
    }

    static void responses(OpenAIClient ignored) {
        // The Responses API lives on Azure's v1 routes: the client's unified path mode.
        OpenAIClient client = OpenAIOkHttpClient.builder()
            .baseUrl(ENDPOINT + "/openai/v1")
            .credential(AzureApiKeyCredential.create(KEY))
            .azureUrlPathMode(AzureUrlPathMode.UNIFIED)
            .maxRetries(0)
            .build();
        Response first = client.responses().create(ResponseCreateParams.builder().model("gpt-4o").input("Name a river.").build());
        check("completed".equals(first.status().map(Object::toString).orElse("")), "status " + first.status());
        check(!text(first).isEmpty(), "no answer");
        Response second = client.responses().create(ResponseCreateParams.builder()
            .model("gpt-4o").input("And a lake?").previousResponseId(first.id()).build());
        check(second.usage().orElseThrow().inputTokens() > first.usage().orElseThrow().inputTokens(),
            "the conversation did not continue");
        StringBuilder streamed = new StringBuilder();
        boolean[] completed = {false};
        try (StreamResponse<ResponseStreamEvent> events = client.responses().createStreaming(
                ResponseCreateParams.builder().model("gpt-4o").input("Name a river.").build())) {
            events.stream().forEach(event -> {
                event.outputTextDelta().ifPresent(delta -> streamed.append(delta.delta()));
                completed[0] = completed[0] || event.isCompleted();
            });
        }
        check(completed[0], "no response.completed event");
        check(streamed.toString().equals(text(first)), "streamed text differs");
    }

    static void throttled(OpenAIClient ignored) throws Exception {
        // Two 429s then success: the client's default of two retries gets through.
        String testId = "java-openai-" + System.nanoTime();
        OpenAIClient client = builder()
            .putHeader("x-emulator-scenario", "retry-then-succeed")
            .putHeader("x-test-id", testId)
            .build();
        check(client.chat().completions().create(question()).choices().size() == 1, "no answer after retrying");
        Journal.retried(ENDPOINT, testId);
    }

    public static void main(String[] args) {
        LinkedHashMap<String, Verdicts.Case<OpenAIClient>> cases = new LinkedHashMap<>();
        cases.put("chat", OpenAiJavaCheck::chat);
        cases.put("stream", OpenAiJavaCheck::stream);
        cases.put("embeddings", OpenAiJavaCheck::embeddings);
        cases.put("image", OpenAiJavaCheck::image);
        cases.put("speech", OpenAiJavaCheck::speech);
        cases.put("transcription", OpenAiJavaCheck::transcription);
        cases.put("completions", OpenAiJavaCheck::completions);
        cases.put("error", OpenAiJavaCheck::error);
        cases.put("throttled", OpenAiJavaCheck::throttled);
        cases.put("responses", OpenAiJavaCheck::responses);
        Verdicts.run(builder().maxRetries(0).build(), cases);
    }
}
