#pragma warning disable OPENAI001 // Some media clients are marked experimental in the SDK.
using System.ClientModel;
using System.ClientModel.Primitives;
using Candor.FunctionalTests.Infrastructure;
using OpenAI;
using OpenAI.Audio;
using OpenAI.Images;
using OpenAI.Moderations;

namespace Candor.FunctionalTests.Media;

/// <summary>The official OpenAI .NET SDK's image, audio and moderation clients against Candor, as an application uses
/// them: each parses Candor's answer as it would OpenAI's.</summary>
public sealed class OpenAIMediaSdkTests(MediaHost host) : IClassFixture<MediaHost>
{
    private OpenAIClientOptions Options() => new()
    {
        Endpoint = new Uri(host.BaseAddress, "v1"),
        RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
        NetworkTimeout = TimeSpan.FromSeconds(30),
    };

    private static ApiKeyCredential Key => new(MediaHost.ConfigKey);

    [Fact]
    public async Task ImageClient_GeneratesImagesAsBytes()
    {
        var client = new ImageClient("m-image", Key, Options());
        GeneratedImageCollection images = await client.GenerateImagesAsync("a red kite", 2,
            new ImageGenerationOptions { Size = GeneratedImageSize.W1024xH1024, ResponseFormat = GeneratedImageFormat.Bytes }, Json.Timeout(60));
        Assert.Equal(2, images.Count);
        Assert.Equal(0x89, images[0].ImageBytes.ToArray()[0]);
    }

    [Fact]
    public async Task AudioClient_GeneratesSpeech()
    {
        var client = new AudioClient("m-tts", Key, Options());
        BinaryData audio = await client.GenerateSpeechAsync("Hello from Candor.", GeneratedSpeechVoice.Alloy,
            new SpeechGenerationOptions { ResponseFormat = GeneratedSpeechFormat.Wav }, Json.Timeout(60));
        Assert.Equal("RIFF", System.Text.Encoding.ASCII.GetString(audio.ToArray(), 0, 4));
    }

    [Fact]
    public async Task AudioClient_TranscribesAWavFile()
    {
        var client = new AudioClient("m-whisper", Key, Options());
        byte[] wav = new byte[44 + 32000];
        "RIFF"u8.CopyTo(wav);
        "WAVEfmt "u8.CopyTo(wav.AsSpan(8));
        BitConverter.TryWriteBytes(wav.AsSpan(16), 16);
        BitConverter.TryWriteBytes(wav.AsSpan(20), (short)1);
        BitConverter.TryWriteBytes(wav.AsSpan(22), (short)1);
        BitConverter.TryWriteBytes(wav.AsSpan(24), 16000);
        BitConverter.TryWriteBytes(wav.AsSpan(28), 32000);
        BitConverter.TryWriteBytes(wav.AsSpan(32), (short)2);
        BitConverter.TryWriteBytes(wav.AsSpan(34), (short)16);
        "data"u8.CopyTo(wav.AsSpan(36));
        BitConverter.TryWriteBytes(wav.AsSpan(40), 32000);
        using var stream = new MemoryStream(wav);
        AudioTranscription transcription = await client.TranscribeAudioAsync(stream, "one-second.wav",
            new AudioTranscriptionOptions { ResponseFormat = AudioTranscriptionFormat.Verbose }, Json.Timeout(60));
        Assert.False(string.IsNullOrWhiteSpace(transcription.Text));
        Assert.Equal(TimeSpan.FromSeconds(1), transcription.Duration);
    }

    [Fact]
    public async Task ModerationClient_ClassifiesText()
    {
        var client = new ModerationClient("m-moderation", Key, Options());
        ModerationResult result = await client.ClassifyTextAsync("I will kill the build", Json.Timeout(60));
        Assert.True(result.Flagged);
        Assert.True(result.Violence.Flagged);
        Assert.False(result.Hate.Flagged);
    }
}
