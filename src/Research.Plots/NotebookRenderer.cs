namespace Research.Plots;

/// <summary>
/// Renders figures for one notebook output stream (one kernel, from start to restart), so that plotly.js travels
/// with the first figure only and every later figure's HTML is a few kilobytes.
/// </summary>
/// <remarks>
/// Output scripts share the page's <c>window</c> in Jupyter front ends, so later figures find the
/// library loaded by the first one (and wait for it if they render first). An update of the display
/// that carried the library carries it again, so replacing that output never strips it from the saved
/// notebook. If that output is cleared, a reopened notebook shows a note in place of later figures;
/// HTML exports through scripts/report.sh are unaffected, as the report puts one copy in the page head.
/// Call <see cref="Reset"/> when the kernel restarts.
/// </remarks>
public sealed class NotebookRenderer
{
    private readonly Lock _gate = new();
    private bool _librarySent;
    private string? _carrier;

    /// <summary>The HTML of <paramref name="figure"/>, with plotly.js if this stream has not had it yet.</summary>
    /// <param name="figure">The figure to show.</param>
    /// <param name="displayId">The display id of an updatable output, or null for a plain one.</param>
    public string ToHtml(Figure figure, string? displayId = null)
    {
        ArgumentNullException.ThrowIfNull(figure);
        return figure.ToHtml(IncludeLibrary(displayId));
    }

    /// <summary>The HTML of a Plotly figure JSON made elsewhere (<see cref="Figure.HtmlFragment"/>), with plotly.js if this
    /// stream has not had it yet: another library's charts share the one copy with the kit's figures.</summary>
    public string ToHtml(string figureJson, string style, string? displayId = null) =>
        Figure.HtmlFragment(figureJson, style, IncludeLibrary(displayId));

    private bool IncludeLibrary(string? displayId)
    {
        bool include;
        lock (_gate)
        {
            include = !_librarySent || (displayId is not null && displayId == _carrier);
            if (!_librarySent)
            {
                _librarySent = true;
                _carrier = displayId;
            }
        }
        return include;
    }

    /// <summary>Forgets that the library was sent: the next figure carries it again.</summary>
    public void Reset()
    {
        lock (_gate)
        {
            _librarySent = false;
            _carrier = null;
        }
    }
}
