using System.Text.Json.Nodes;
using Research.Models;
using Research.Models.Counting;
using static Research.Bench.BenchSupport;

namespace Research.Bench;

/// <summary>Parameters and GMACs of every registered variant at its paper configuration, counted on a real
/// forward pass of one image, beside the paper's numbers. Parameters are shown in the paper's convention
/// (with or without the classifier, as <see cref="PaperNumbers.ParamsExcludeHead"/> says).</summary>
internal static class CountsBench
{
    public static int Run(string[] args)
    {
        var only = args.Where(a => !a.StartsWith("--")).ToHashSet();
        Console.WriteLine($"{"model",-26} {"params [M]",11} {"paper",7} {"gap",7} {"GMACs",8} {"paper",7} {"gap",7}  source / note");
        var rows = new JsonArray();
        foreach (var entry in Models.Models.All.Where(e => only.Count == 0 || only.Contains(e.Name) || only.Contains(e.Family)))
        {
            var count = ModelCounter.Count(entry.Name);
            var paper = entry.Paper;
            double ours = count.ParamsMFor(paper);
            string head = paper.ParamsExcludeHead ? " (no head)" : "";
            Console.WriteLine($"{entry.Name,-26} {ours,11:F2} {Num(paper.ParamsM),7} {Gap(ours, paper.ParamsM),7} {count.GMacs,8:F2} {Num(paper.GMacs),7} {Gap(count.GMacs, paper.GMacs),7}  {paper.Source}{head}"
                + (paper.Note is null ? "" : $"; {paper.Note}")
                + (count.Unreported.Count == 0 ? "" : $"; MACs MISSING for {count.Unreported.Count} layers that do not report (e.g. {count.Unreported[0]})"));
            rows.Add(new JsonObject
            {
                ["model"] = entry.Name, ["params_m"] = ours, ["paper_params_m"] = paper.ParamsM, ["gmacs"] = count.GMacs,
                ["paper_gmacs"] = paper.GMacs, ["params_exclude_head"] = paper.ParamsExcludeHead, ["unreported_layers"] = count.Unreported.Count,
                ["source"] = paper.Source,
                // The exact integers, so tests/golden/model-counts.json can pin every count to the element.
                ["params"] = count.Params, ["head_params"] = count.HeadParams, ["macs"] = count.Macs,
                ["macs_by_op"] = new JsonObject(count.MacsByOp.OrderBy(kv => kv.Key).Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value))),
            });
        }
        Console.WriteLine($"\nwrote {WriteJson("counts", new JsonObject { ["rows"] = rows })}");
        return 0;
    }

    private static string Num(double? v) => v is null ? "-" : v.Value.ToString("0.##");

    private static string Gap(double ours, double? paper)
    {
        if (paper is null) return "";
        double gap = Math.Round((ours - paper.Value) / paper.Value, 3);
        return gap == 0 ? "0.0%" : gap.ToString("+0.0%;-0.0%", System.Globalization.CultureInfo.InvariantCulture);
    }
}
