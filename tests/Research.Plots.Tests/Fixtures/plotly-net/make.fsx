// Writes the Plotly.NET fixtures beside this file: figures exactly as Plotly.NET 6.0.0's GenericChart.toFigureJson
// gives them to the kernel (src/Research.Kernel/Display/PlotlyNetFormatter.cs), its default template included.
//   cd tests/Research.Plots.Tests/Fixtures/plotly-net && dotnet fsi make.fsx
#r "nuget: Plotly.NET, 6.0.0"
open Plotly.NET

let x = [ 1.0 .. 10.0 ]
let save name chart = System.IO.File.WriteAllText(name + ".json", GenericChart.toFigureJson chart)

// Functions, not values: Chart.Grid changes the layouts of the charts it is given.
let line () =
    [ Chart.Line(x = x, y = (x |> List.map (fun e -> 2.0 * exp (-e / 4.0))), Name = "train loss")
      Chart.Line(x = x, y = (x |> List.map (fun e -> 2.2 * exp (-e / 4.0))), Name = "test loss", ShowMarkers = true) ]
    |> Chart.combine
    |> Chart.withXAxisStyle "epoch"
    |> Chart.withYAxisStyle "loss"
    |> Chart.withTitle "Loss"

let column () =
    Chart.Column(values = [ 91.2; 93.1 ], Keys = [ "CIFAR-10"; "Fashion-MNIST" ], Name = "S2-MLP")
    |> Chart.withTitle "Top-1 accuracy"

save "line" (line ())
save "column" (column ())
save "grid" ([ line (); column () ] |> Chart.Grid(1, 2) |> Chart.withTitle "Plotly.NET grid")
