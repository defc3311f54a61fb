using Research.Cli;
using Research.Data;
using Research.Torch;

// research-cli <command> [options]: training from the shell, the same library the notebooks use.
const string usage = """
    usage: research-cli <command> [options]
      train          train a registered model on a dataset (progress bar, metrics, checkpoints, summary)
      models         list the registered models
      datasets       list the datasets and whether their files are present
    """;

if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
{
    Console.WriteLine(usage + "\n" + TrainCommand.Usage + "\n" + Launcher.Usage);
    return 0;
}
if (args.Skip(1).Any(a => a is "-h" or "--help"))
{
    Console.WriteLine(args[0] switch { "train" => TrainCommand.Usage + "\n" + Launcher.Usage, _ => usage });
    return 0;
}
try
{
    var cl = new CommandLine(args.Skip(1));
    switch (args[0])
    {
        case "train" when Launcher.Requested(args[1..]):
            return Launcher.Run(args[1..]);
        case "train":
            return TrainCommand.Run(cl);
        case "models":
            cl.RejectUnknown();
            foreach (var e in Research.Models.Models.All) Console.WriteLine($"{e.Name,-28} {e.Family}");
            return 0;
        case "datasets":
            cl.RejectUnknown();
            Console.WriteLine($"fashion-mnist  {(FashionMnist.IsAvailable() ? "present" : "missing")} ({FashionMnist.DefaultFolder})");
            Console.WriteLine($"cifar10        {(Cifar10.IsAvailable() ? "present" : "missing")} ({Cifar10.DefaultFolder})");
            Console.WriteLine("displacement, displacement-vertical, displacement-horizontal, stripes: generated");
            return 0;
        default:
            Console.Error.WriteLine($"research-cli: unknown command '{args[0]}'\n{usage}");
            return 2;
    }
}
catch (DistributedException e)
{
    Console.Error.WriteLine($"research-cli: {e.Message}");
    return 1;
}
catch (Exception e) when (e is ArgumentException or FormatException or DataFileException or IOException)
{
    Console.Error.WriteLine($"research-cli: {e.Message}");
    return 2;
}
