using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace CapitalFlows.IntegrationTests.Infrastructure;

/// <summary>
/// An analyst's export over a slow link: a raw HTTP/1.1 request on a socket with a small receive buffer, read a
/// few bytes at a time with a pause between reads, until told to stop. Once the export is larger than every buffer
/// between the service and the client, the service can only go as fast as this client reads.
/// </summary>
public sealed class SlowExportClient : IAsyncDisposable
{
    private const int ReceiveBufferBytes = 4_096;
    private const int BytesPerRead = 64;
    private static readonly TimeSpan Pause = TimeSpan.FromMilliseconds(100);

    private readonly TcpClient _tcp;
    private readonly CancellationTokenSource _stop;
    private readonly StringBuilder _head = new();
    private readonly TaskCompletionSource<string> _statusLine = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task _reading = Task.CompletedTask;
    private long _bytesRead;

    private SlowExportClient(TcpClient tcp, CancellationToken stop)
    {
        _tcp = tcp;
        _stop = CancellationTokenSource.CreateLinkedTokenSource(stop);
    }

    /// <summary>The response's status line (<c>HTTP/1.1 200 OK</c>) once it has arrived.</summary>
    public Task<string> StatusLine => _statusLine.Task;

    public long BytesRead => Interlocked.Read(ref _bytesRead);

    /// <summary>The service ended the response or the connection: the client read everything, or was cut off.</summary>
    public bool Ended { get; private set; }

    /// <summary>Sends <c>GET <paramref name="path"/></c> with the bearer token and starts reading slowly until <paramref name="stop"/>.</summary>
    public static async Task<SlowExportClient> StartAsync(int port, string path, string token, CancellationToken stop)
    {
        // The receive buffer is set before connecting, so that the window the client offers stays small.
        var tcp = new TcpClient(AddressFamily.InterNetwork) { ReceiveBufferSize = ReceiveBufferBytes, NoDelay = true };
        var client = new SlowExportClient(tcp, stop);
        try
        {
            await tcp.ConnectAsync(IPAddress.Loopback, port, stop);
            var request = string.Create(CultureInfo.InvariantCulture,
                $"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: Bearer {token}\r\n\r\n");
            await tcp.GetStream().WriteAsync(Encoding.ASCII.GetBytes(request), stop);
            client._reading = client.ReadSlowlyAsync();
            return client;
        }
        catch
        {
            await client.DisposeAsync();
            throw;
        }
    }

    private async Task ReadSlowlyAsync()
    {
        var stream = _tcp.GetStream();
        var buffer = new byte[BytesPerRead];
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var read = await stream.ReadAsync(buffer, _stop.Token);
                if (read == 0)
                {
                    Ended = true;
                    break;
                }
                Interlocked.Add(ref _bytesRead, read);
                if (!_statusLine.Task.IsCompleted)
                {
                    _head.Append(Encoding.ASCII.GetString(buffer, 0, read));
                    var end = _head.ToString().IndexOf("\r\n", StringComparison.Ordinal);
                    if (end >= 0) _statusLine.TrySetResult(_head.ToString(0, end));
                }
                await Task.Delay(Pause, _stop.Token);
            }
        }
        catch (OperationCanceledException)
        {
            // Told to stop.
        }
        catch (IOException)
        {
            Ended = true;
        }
        _statusLine.TrySetResult(_head.Length > 0 ? _head.ToString() : "(no answer)");
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _reading;
        // Leave with a reset, as a client that gives up does: the service's write fails and the export ends.
        _tcp.Client.LingerState = new LingerOption(enable: true, seconds: 0);
        _tcp.Dispose();
        _stop.Dispose();
    }
}
