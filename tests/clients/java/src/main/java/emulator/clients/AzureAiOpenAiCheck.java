package emulator.clients;

import com.azure.ai.openai.OpenAIClient;
import com.azure.ai.openai.OpenAIClientBuilder;
import com.azure.ai.openai.OpenAIServiceVersion;
import com.azure.ai.openai.models.AudioTranscription;
import com.azure.ai.openai.models.AudioTranscriptionFormat;
import com.azure.ai.openai.models.AudioTranscriptionOptions;
import com.azure.ai.openai.models.ChatCompletions;
import com.azure.ai.openai.models.ChatCompletionsOptions;
import com.azure.ai.openai.models.ChatRequestMessage;
import com.azure.ai.openai.models.ChatRequestUserMessage;
import com.azure.ai.openai.models.Completions;
import com.azure.ai.openai.models.CompletionsOptions;
import com.azure.ai.openai.models.EmbeddingItem;
import com.azure.ai.openai.models.Embeddings;
import com.azure.ai.openai.models.EmbeddingsOptions;
import com.azure.ai.openai.models.ImageGenerationData;
import com.azure.ai.openai.models.ImageGenerationOptions;
import com.azure.ai.openai.models.ImageGenerationResponseFormat;
import com.azure.ai.openai.models.SpeechGenerationOptions;
import com.azure.ai.openai.models.SpeechGenerationResponseFormat;
import com.azure.ai.openai.models.SpeechVoice;
import com.azure.core.credential.AzureKeyCredential;
import com.azure.core.exception.HttpResponseException;
import com.azure.core.http.policy.FixedDelayOptions;
import com.azure.core.http.policy.RetryOptions;
import com.azure.core.http.HttpHeaderName;
import com.azure.core.http.policy.AddHeadersPolicy;
import com.azure.core.http.HttpHeaders;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;

/**
 * The Azure SDK for Java's azure-ai-openai client against a live emulator, over HTTPS: one line
 * per case, "PASS case" or "FAIL case: why". The client pins its own api-version.
 */
public final class AzureAiOpenAiCheck {
    private static final String ENDPOINT = System.getenv("EMULATOR_ENDPOINT");
    private static final String KEY = System.getenv("EMULATOR_KEY");
    private static final List<ChatRequestMessage> QUESTION =
        List.of(new ChatRequestUserMessage("Name two rivers in Europe."));

    private AzureAiOpenAiCheck() {}

    static OpenAIClientBuilder builder() {
        return new OpenAIClientBuilder()
            .endpoint(ENDPOINT)
            .credential(new AzureKeyCredential(KEY))
            .serviceVersion(OpenAIServiceVersion.V2025_01_01_PREVIEW);
    }

    static void check(boolean condition, String why) {
        if (!condition) {
            throw new IllegalStateException(why);
        }
    }

    static void chat(OpenAIClient client) {
        ChatCompletions answer = client.getChatCompletions("gpt-4o", new ChatCompletionsOptions(QUESTION));
        String content = answer.getChoices().get(0).getMessage().getContent();
        check(content != null && !content.isEmpty(), "no content");
        check(answer.getUsage().getTotalTokens()
            == answer.getUsage().getPromptTokens() + answer.getUsage().getCompletionTokens(), "usage does not add up");
        check(answer.getPromptFilterResults().get(0).getContentFilterResults().getHate() != null,
            "no prompt filter results");
    }

    static void stream(OpenAIClient client) {
        String plain = client.getChatCompletions("gpt-4o", new ChatCompletionsOptions(QUESTION))
            .getChoices().get(0).getMessage().getContent();
        StringBuilder text = new StringBuilder();
        String finish = null;
        for (ChatCompletions chunk : client.getChatCompletionsStream("gpt-4o", new ChatCompletionsOptions(QUESTION))) {
            for (var choice : chunk.getChoices()) {
                if (choice.getDelta() != null && choice.getDelta().getContent() != null) {
                    text.append(choice.getDelta().getContent());
                }
                if (choice.getFinishReason() != null) {
                    finish = choice.getFinishReason().toString();
                }
            }
        }
        check(text.toString().equals(plain), "streamed text differs from the plain answer");
        check("stop".equals(finish), "finish_reason " + finish);
    }

    static void embeddings(OpenAIClient client) {
        Embeddings result = client.getEmbeddings("text-embedding-3-small",
            new EmbeddingsOptions(List.of("a river", "a lake")));
        check(result.getData().size() == 2, result.getData().size() + " vectors");
        EmbeddingItem first = result.getData().get(0);
        List<Float> vector = first.getEmbedding();
        check(vector.size() == 1536, "length " + vector.size());
        double norm = 0;
        for (float x : vector) {
            norm += x * x;
        }
        check(Math.abs(Math.sqrt(norm) - 1) < 1e-3, "norm " + Math.sqrt(norm));
    }

    static void image(OpenAIClient client) {
        ImageGenerationData item = client.getImageGenerations("dall-e-3",
            new ImageGenerationOptions("a lighthouse").setResponseFormat(ImageGenerationResponseFormat.BASE64))
            .getData().get(0);
        byte[] png = Base64.getDecoder().decode(item.getBase64Data());
        check(new String(png, 1, 3).equals("PNG"), "not a PNG");
        check(readIntBigEndian(png, 16) == 1024 && readIntBigEndian(png, 20) == 1024, "not 1024x1024");
        check(item.getRevisedPrompt() != null && item.getContentFilterResults() != null, "no revised prompt or filter results");
    }

    static byte[] speak(OpenAIClient client, String text, SpeechGenerationResponseFormat format) {
        return client.generateSpeechFromText("tts",
            new SpeechGenerationOptions(text, SpeechVoice.ALLOY).setResponseFormat(format)).toBytes();
    }

    static void speech(OpenAIClient client) {
        byte[] wav = speak(client, "Rivers run to the sea.", SpeechGenerationResponseFormat.WAV);
        check(new String(wav, 0, 4).equals("RIFF") && new String(wav, 8, 4).equals("WAVE"), "not a WAV file");
        int rate = (wav[24] & 0xff) | (wav[25] & 0xff) << 8 | (wav[26] & 0xff) << 16 | (wav[27] & 0xff) << 24;
        check(rate == 24000, "sample rate " + rate);
    }

    static void transcription(OpenAIClient client) {
        byte[] mp3 = speak(client, "Meet me at nine.", SpeechGenerationResponseFormat.MP3);
        AudioTranscription heard = client.getAudioTranscription("whisper", "speech.mp3",
            new AudioTranscriptionOptions(mp3).setResponseFormat(AudioTranscriptionFormat.VERBOSE_JSON));
        check("Meet me at nine.".equals(heard.getText()), "heard " + heard.getText());
        check(heard.getDuration() != null && heard.getDuration().toMillis() > 0 && !heard.getSegments().isEmpty(),
            "no duration or segments");
    }

    static void completions(OpenAIClient client) {
        Completions result = client.getCompletions("gpt-35-turbo-instruct",
            new CompletionsOptions(List.of("Once upon a time")).setMaxTokens(12));
        check(!result.getChoices().get(0).getText().isEmpty(), "no text");
        check(result.getUsage().getCompletionTokens() <= 12, "over max_tokens");
    }

    static void error(OpenAIClient ignored) {
        OpenAIClient client = builder().retryOptions(new RetryOptions(new FixedDelayOptions(0, Duration.ZERO))).buildClient();
        try {
            client.getChatCompletions("no-such-deployment", new ChatCompletionsOptions(QUESTION));
        } catch (HttpResponseException e) {
            check(e.getResponse().getStatusCode() == 404, "status " + e.getResponse().getStatusCode());
            check(e.getMessage().contains("DeploymentNotFound"), "message " + e.getMessage());
            return;
        }
        throw new IllegalStateException("no error");
    }

    static void throttled(OpenAIClient ignored) throws Exception {
        // Two 429s then success: azure-core's retry policy (three retries, honouring
        // retry-after-ms) gets through.
        String testId = "java-azure-" + System.nanoTime();
        HttpHeaders headers = new HttpHeaders()
            .set(HttpHeaderName.fromString("x-emulator-scenario"), "retry-then-succeed")
            .set(HttpHeaderName.fromString("x-test-id"), testId);
        OpenAIClient client = builder().addPolicy(new AddHeadersPolicy(headers)).buildClient();
        check(client.getChatCompletions("gpt-4o", new ChatCompletionsOptions(QUESTION)).getChoices().size() == 1,
            "no answer after retrying");
        Journal.retried(ENDPOINT, testId);
    }

    static int readIntBigEndian(byte[] data, int at) {
        return (data[at] & 0xff) << 24 | (data[at + 1] & 0xff) << 16 | (data[at + 2] & 0xff) << 8 | (data[at + 3] & 0xff);
    }

    public static void main(String[] args) {
        LinkedHashMap<String, Verdicts.Case<OpenAIClient>> cases = new LinkedHashMap<>();
        cases.put("chat", AzureAiOpenAiCheck::chat);
        cases.put("stream", AzureAiOpenAiCheck::stream);
        cases.put("embeddings", AzureAiOpenAiCheck::embeddings);
        cases.put("image", AzureAiOpenAiCheck::image);
        cases.put("speech", AzureAiOpenAiCheck::speech);
        cases.put("transcription", AzureAiOpenAiCheck::transcription);
        cases.put("completions", AzureAiOpenAiCheck::completions);
        cases.put("error", AzureAiOpenAiCheck::error);
        cases.put("throttled", AzureAiOpenAiCheck::throttled);
        Verdicts.run(builder().buildClient(), cases);
    }
}
