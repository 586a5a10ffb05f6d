// The Azure SDK for Go's azopenai client against a live emulator, over HTTPS: one line per
// case, "PASS <case>" or "FAIL <case>: <why>". tests/clients/test_go.py runs it with
// EMULATOR_ENDPOINT, EMULATOR_KEY and SSL_CERT_FILE. The client pins its own api-version
// (2025-01-01-preview).
package main

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/ai/azopenai"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"

	"aoai-emulator/clients/internal/verdicts"
)

var (
	endpoint = os.Getenv("EMULATOR_ENDPOINT")
	apiKey   = os.Getenv("EMULATOR_KEY")
	ctx      = context.Background()
)

func question() []azopenai.ChatRequestMessageClassification {
	return []azopenai.ChatRequestMessageClassification{
		&azopenai.ChatRequestUserMessage{Content: azopenai.NewChatRequestUserMessageContent("Name two rivers in Europe.")},
	}
}

func newClient(options *azopenai.ClientOptions) *azopenai.Client {
	client, err := azopenai.NewClientWithKeyCredential(endpoint, azcore.NewKeyCredential(apiKey), options)
	if err != nil {
		panic(err)
	}
	return client
}

func noRetries() *azopenai.ClientOptions {
	return &azopenai.ClientOptions{ClientOptions: policy.ClientOptions{Retry: policy.RetryOptions{MaxRetries: -1}}}
}

func chat(client *azopenai.Client) error {
	response, err := client.GetChatCompletions(ctx, azopenai.ChatCompletionsOptions{
		DeploymentName: to.Ptr("gpt-4o"),
		Messages:       question(),
	}, nil)
	if err != nil {
		return err
	}
	choice := response.Choices[0]
	if choice.Message == nil || choice.Message.Content == nil || *choice.Message.Content == "" {
		return errors.New("no content")
	}
	usage := response.Usage
	if *usage.TotalTokens != *usage.PromptTokens+*usage.CompletionTokens {
		return errors.New("usage does not add up")
	}
	if len(response.PromptFilterResults) != 1 || response.PromptFilterResults[0].ContentFilterResults.Hate == nil {
		return errors.New("no prompt filter results")
	}
	if choice.ContentFilterResults == nil || choice.ContentFilterResults.Violence == nil {
		return errors.New("no content filter results on the choice")
	}
	return nil
}

func stream(client *azopenai.Client) error {
	plain, err := client.GetChatCompletions(ctx, azopenai.ChatCompletionsOptions{
		DeploymentName: to.Ptr("gpt-4o"),
		Messages:       question(),
	}, nil)
	if err != nil {
		return err
	}
	response, err := client.GetChatCompletionsStream(ctx, azopenai.ChatCompletionsStreamOptions{
		DeploymentName: to.Ptr("gpt-4o"),
		Messages:       question(),
	}, nil)
	if err != nil {
		return err
	}
	defer response.ChatCompletionsStream.Close()
	var text strings.Builder
	finish := ""
	for {
		chunk, err := response.ChatCompletionsStream.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		for _, choice := range chunk.Choices {
			if choice.Delta != nil && choice.Delta.Content != nil {
				text.WriteString(*choice.Delta.Content)
			}
			if choice.FinishReason != nil {
				finish = string(*choice.FinishReason)
			}
		}
	}
	if text.String() != *plain.Choices[0].Message.Content {
		return errors.New("streamed text differs from the plain answer")
	}
	if finish != "stop" {
		return fmt.Errorf("finish_reason %q", finish)
	}
	return nil
}

func embeddings(client *azopenai.Client) error {
	response, err := client.GetEmbeddings(ctx, azopenai.EmbeddingsOptions{
		DeploymentName: to.Ptr("text-embedding-3-small"),
		Input:          []string{"a river", "a lake"},
	}, nil)
	if err != nil {
		return err
	}
	if len(response.Data) != 2 || len(response.Data[0].Embedding) != 1536 {
		return fmt.Errorf("%d vectors", len(response.Data))
	}
	norm := 0.0
	for _, x := range response.Data[0].Embedding {
		norm += float64(x) * float64(x)
	}
	if math.Abs(math.Sqrt(norm)-1) > 1e-3 {
		return fmt.Errorf("norm %f", math.Sqrt(norm))
	}
	return nil
}

func image(client *azopenai.Client) error {
	response, err := client.GetImageGenerations(ctx, azopenai.ImageGenerationOptions{
		DeploymentName: to.Ptr("dall-e-3"),
		Prompt:         to.Ptr("a lighthouse"),
		ResponseFormat: to.Ptr(azopenai.ImageGenerationResponseFormatBase64),
	}, nil)
	if err != nil {
		return err
	}
	item := response.Data[0]
	png, err := base64.StdEncoding.DecodeString(*item.Base64Data)
	if err != nil || string(png[1:4]) != "PNG" {
		return errors.New("not a PNG")
	}
	if binary.BigEndian.Uint32(png[16:20]) != 1024 || binary.BigEndian.Uint32(png[20:24]) != 1024 {
		return errors.New("not 1024x1024")
	}
	if item.RevisedPrompt == nil || item.ContentFilterResults == nil || item.PromptFilterResults == nil {
		return errors.New("no revised prompt or filter results")
	}
	return nil
}

func speak(client *azopenai.Client, text string, format azopenai.SpeechGenerationResponseFormat) ([]byte, error) {
	response, err := client.GenerateSpeechFromText(ctx, azopenai.SpeechGenerationOptions{
		DeploymentName: to.Ptr("tts"),
		Input:          to.Ptr(text),
		Voice:          to.Ptr(azopenai.SpeechVoiceAlloy),
		ResponseFormat: to.Ptr(format),
	}, nil)
	if err != nil {
		return nil, err
	}
	defer response.Body.Close()
	return io.ReadAll(response.Body)
}

func speech(client *azopenai.Client) error {
	wav, err := speak(client, "Rivers run to the sea.", azopenai.SpeechGenerationResponseFormatWav)
	if err != nil {
		return err
	}
	if string(wav[0:4]) != "RIFF" || string(wav[8:12]) != "WAVE" {
		return errors.New("not a WAV file")
	}
	if rate := binary.LittleEndian.Uint32(wav[24:28]); rate != 24000 {
		return fmt.Errorf("sample rate %d", rate)
	}
	return nil
}

func transcription(client *azopenai.Client) error {
	mp3, err := speak(client, "Meet me at nine.", azopenai.SpeechGenerationResponseFormatMp3)
	if err != nil {
		return err
	}
	heard, err := client.GetAudioTranscription(ctx, azopenai.AudioTranscriptionOptions{
		DeploymentName: to.Ptr("whisper"),
		File:           mp3,
		Filename:       to.Ptr("speech.mp3"),
		ResponseFormat: to.Ptr(azopenai.AudioTranscriptionFormatVerboseJSON),
	}, nil)
	if err != nil {
		return err
	}
	if heard.Text == nil || *heard.Text != "Meet me at nine." {
		return fmt.Errorf("heard %v", heard.Text)
	}
	if heard.Duration == nil || *heard.Duration <= 0 || len(heard.Segments) == 0 {
		return errors.New("no duration or segments in verbose_json")
	}
	return nil
}

func completions(client *azopenai.Client) error {
	response, err := client.GetCompletions(ctx, azopenai.CompletionsOptions{
		DeploymentName: to.Ptr("gpt-35-turbo-instruct"),
		Prompt:         []string{"Once upon a time"},
		MaxTokens:      to.Ptr(int32(12)),
	}, nil)
	if err != nil {
		return err
	}
	if response.Choices[0].Text == nil || *response.Choices[0].Text == "" || *response.Usage.CompletionTokens > 12 {
		return errors.New("no text, or over max_tokens")
	}
	return nil
}

func unknownDeployment(_ *azopenai.Client) error {
	_, err := newClient(noRetries()).GetChatCompletions(ctx, azopenai.ChatCompletionsOptions{
		DeploymentName: to.Ptr("no-such-deployment"),
		Messages:       question(),
	}, nil)
	var responseErr *azcore.ResponseError
	if !errors.As(err, &responseErr) {
		return fmt.Errorf("not a ResponseError: %v", err)
	}
	if responseErr.StatusCode != http.StatusNotFound || responseErr.ErrorCode != "DeploymentNotFound" {
		return fmt.Errorf("status %d code %q", responseErr.StatusCode, responseErr.ErrorCode)
	}
	return nil
}

// headers adds the scenario headers to every request.
type headers struct{ values map[string]string }

func (h headers) Do(req *policy.Request) (*http.Response, error) {
	for name, value := range h.values {
		req.Raw().Header.Set(name, value)
	}
	return req.Next()
}

func throttled(_ *azopenai.Client) error {
	// Two 429s then success: azcore's retry policy (three retries, honouring retry-after-ms)
	// gets through.
	testID := fmt.Sprintf("go-azopenai-%d", time.Now().UnixNano())
	scenario := headers{map[string]string{"x-emulator-scenario": "retry-then-succeed", "x-test-id": testID}}
	client := newClient(&azopenai.ClientOptions{ClientOptions: policy.ClientOptions{PerCallPolicies: []policy.Policy{scenario}}})
	if _, err := client.GetChatCompletions(ctx, azopenai.ChatCompletionsOptions{
		DeploymentName: to.Ptr("gpt-4o"),
		Messages:       question(),
	}, nil); err != nil {
		return err
	}
	return verdicts.Retried(endpoint, testID)
}

func main() {
	verdicts.Run(newClient(nil), []verdicts.Case[*azopenai.Client]{
		{Name: "chat", Run: chat}, {Name: "stream", Run: stream}, {Name: "embeddings", Run: embeddings},
		{Name: "image", Run: image}, {Name: "speech", Run: speech}, {Name: "transcription", Run: transcription},
		{Name: "completions", Run: completions}, {Name: "error", Run: unknownDeployment}, {Name: "throttled", Run: throttled},
	})
}
