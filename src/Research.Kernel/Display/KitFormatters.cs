namespace Research.Kernel.Display;

/// <summary>
/// Formatters for the kit's own types, registered before any user code runs. Each lives in its own
/// small file beside this one and is listed here; user registrations made later replace them.
/// </summary>
internal static class KitFormatters
{
    public static void RegisterAll()
    {
        FigureFormatter.Register();
        TorchFormatters.Register();
        PlotlyNetFormatter.Register();
        InteractiveExtensions.Watch();
    }
}
