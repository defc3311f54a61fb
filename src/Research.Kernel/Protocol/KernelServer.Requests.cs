using System.Text.Json;
using System.Text.Json.Nodes;
using Research.Kernel.Display;
using Research.Kernel.Execution;
using Research.Kernel.Protocol.Native;

namespace Research.Kernel.Protocol;

// The requests that take more than a line to answer: kernel_info, execute (with its abort of the
// queue after a failure), history, and the stdin exchange of a running cell.
public sealed partial class KernelServer
{
    private JsonObject KernelInfo()
    {
        var language = interpreter.Language;
        return new JsonObject
        {
            ["status"] = "ok",
            ["protocol_version"] = WireFormat.ProtocolVersion,
            ["implementation"] = "research-csharp",
            ["implementation_version"] = language.ImplementationVersion,
            ["language_info"] = language.Info.DeepClone(),
            ["banner"] = language.Banner,
            ["help_links"] = language.HelpLinks.DeepClone(),
            ["debugger"] = false,
        };
    }

    private void Execute(ZmqSocket socket, IncomingMessage request)
    {
        var content = request.Content;
        var code = String(content, "code");
        var silent = Bool(content, "silent", false);
        var storeHistory = !silent && Bool(content, "store_history", true);
        var stopOnError = Bool(content, "stop_on_error", true);
        var expressions = new Dictionary<string, string>();
        if (content["user_expressions"] is JsonObject requested)
        {
            foreach (var (name, value) in requested)
                if (value is JsonValue v && v.TryGetValue<string>(out var expression)) expressions[name] = expression;
        }
        if (storeHistory) executionCount++;
        var count = executionCount;
        outputParent = request;
        if (!silent)
            channels.Publish("execute_input", new JsonObject { ["code"] = code, ["execution_count"] = count }, request);

        var outcome = interpreter.Execute(new ExecuteRequest(code, count, silent, storeHistory, Bool(content, "allow_stdin", true), expressions));
        switch (outcome)
        {
            case ExecuteSucceeded success:
                if (success.Result is { } result) channels.Publish("execute_result", OutputContent.ExecuteResult(result, count), request);
                if (storeHistory) history.Add(count, code, success.Result?.Text);
                channels.Reply(socket, request, "execute_reply", new JsonObject
                {
                    ["status"] = "ok",
                    ["execution_count"] = count,
                    ["payload"] = success.Payload,
                    ["user_expressions"] = success.UserExpressions,
                });
                break;
            case ExecuteFailed failure:
                if (!silent) channels.Publish("error", OutputContent.Error(failure), request);
                if (storeHistory) history.Add(count, code, null);
                var reply = OutputContent.Error(failure);
                reply["status"] = "error";
                reply["execution_count"] = count;
                channels.Reply(socket, request, "execute_reply", reply, new JsonObject { ["status"] = "error" });
                if (stopOnError) AbortQueued(socket);
                break;
        }
    }

    /// <summary>
    /// After a failed cell, the execute requests already queued behind it (Run All) are answered
    /// "aborted" rather than run against a state the failure left behind; other requests are served.
    /// </summary>
    private void AbortQueued(ZmqSocket socket)
    {
        while (!stopping && socket.Receive(0) is { } frames)
        {
            var request = channels.Wire.Decode(frames, out var error);
            if (request is null)
            {
                Interlocked.Increment(ref dropped);
                KernelLog.Write($"dropped a message on shell: {error}");
                continue;
            }
            if (request.MsgType != "execute_request")
            {
                channels.Publish("status", new JsonObject { ["execution_state"] = "busy" }, request);
                try { Dispatch(socket, "shell", request); }
                finally { channels.Publish("status", new JsonObject { ["execution_state"] = "idle" }, request); }
                continue;
            }
            channels.Publish("status", new JsonObject { ["execution_state"] = "busy" }, request);
            channels.Reply(socket, request, "execute_reply", new JsonObject { ["status"] = "aborted", ["execution_count"] = executionCount },
                new JsonObject { ["status"] = "aborted" });
            channels.Publish("status", new JsonObject { ["execution_state"] = "idle" }, request);
        }
    }

    private JsonArray History(JsonObject content)
    {
        var output = Bool(content, "output", false);
        return String(content, "hist_access_type") switch
        {
            "tail" => history.Tail(Int(content, "n") ?? 10, output),
            "range" => history.Range(Int(content, "session") ?? 0, Int(content, "start") ?? 0, Int(content, "stop"), output),
            "search" => history.Search(String(content, "pattern", "*"), Int(content, "n"), Bool(content, "unique", false), output),
            _ => [],
        };
    }

    private string RequestInput(string prompt, bool password, CancellationToken cancellation)
    {
        var parent = outputParent ?? throw new InvalidOperationException("input was asked for outside a request");
        var socket = channels.Stdin;
        lock (channels.StdinGate)
        {
            // A reply left over from an earlier, interrupted request answers nothing now.
            while (socket.Receive(0) is not null) { }
            socket.Send(channels.Wire.Encode(new OutgoingMessage("input_request",
                new JsonObject { ["prompt"] = prompt, ["password"] = password }, parent.HeaderBytes, parent.Identities)));
            while (true)
            {
                cancellation.ThrowIfCancellationRequested();
                if (stopping) throw new OperationCanceledException("the kernel is shutting down");
                if (socket.Receive(PollMilliseconds) is not { } frames) continue;
                var reply = channels.Wire.Decode(frames, out var error);
                if (reply is null)
                {
                    Interlocked.Increment(ref dropped);
                    KernelLog.Write($"dropped a message on stdin: {error}");
                    continue;
                }
                if (reply.MsgType == "input_reply") return String(reply.Content, "value");
            }
        }
    }

    private static string String(JsonObject content, string name, string fallback = "") =>
        content[name] is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : fallback;

    private static int? Int(JsonObject content, string name) =>
        content[name] is JsonValue v && v.GetValueKind() == JsonValueKind.Number && v.TryGetValue<double>(out var d) ? (int)d : null;

    private static bool Bool(JsonObject content, string name, bool fallback) =>
        content[name] is JsonValue v && v.GetValueKind() is JsonValueKind.True or JsonValueKind.False ? v.GetValue<bool>() : fallback;

    /// <summary>Cells' output, sent on iopub with the execute request it belongs to as parent.</summary>
    private sealed class Output(KernelServer server) : IKernelOutput
    {
        public void Stream(string name, string text) =>
            server.channels.Publish("stream", OutputContent.Stream(name, text), server.outputParent);

        public void Display(MimeBundle bundle, string displayId, bool update)
        {
            var content = OutputContent.DisplayData(bundle);
            content["transient"] = new JsonObject { ["display_id"] = displayId };
            server.channels.Publish(update ? "update_display_data" : "display_data", content, server.outputParent);
        }

        public void ClearOutput(bool wait) =>
            server.channels.Publish("clear_output", new JsonObject { ["wait"] = wait }, server.outputParent);

        public string RequestInput(string prompt, bool password, CancellationToken cancellation) =>
            server.RequestInput(prompt, password, cancellation);
    }
}
