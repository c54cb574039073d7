"""The cluster benchmark's command line and report (no servers): what is asked is what is measured, ratios pair the right figures."""
import pytest

from bench.cluster import ClusterLoad, Measurement, cluster_rows, format_cluster_table, parse_counts
from bot.__main__ import build_parser, main
from bot.cli.bench import cluster_load


def test_counts_are_whole_numbers_of_at_least_one_in_the_order_given():
    assert parse_counts("1,2,3") == [1, 2, 3]
    assert parse_counts(" 3, 1 ,3") == [3, 1]
    for wrong in ("", "0", "1,,2", "two", "-1", "1.5"):
        with pytest.raises(ValueError):
            parse_counts(wrong)


def test_the_command_line_asks_for_the_cluster_load():
    args = build_parser().parse_args(["bench", "--cluster", "1,2,3", "--cluster-conversations", "20,50",
                                      "--turns", "4", "--cluster-action-servers", "2"])
    assert cluster_load(args) == ClusterLoad(rasa_servers=[1, 2, 3], conversations=[20, 50], turns=4,
                                             action_servers=2)
    defaults = build_parser().parse_args(["bench", "--cluster", "2"])
    assert cluster_load(defaults) == ClusterLoad(rasa_servers=[2], conversations=[20, 50], turns=10, action_servers=1)


def test_a_wrong_cluster_option_is_refused_before_anything_starts(capsys):
    assert main(["bench", "--cluster", "1", "--tiny"]) == 2
    assert "--tiny" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        build_parser().parse_args(["bench", "--cluster", "0,1"])


def a_measurement(bot: str, servers: int, conversations: int, milliseconds: float, seconds: float) -> Measurement:
    return Measurement(bot, servers, conversations, [milliseconds] * 19 + [milliseconds * 10], seconds)


def test_each_cluster_figure_is_divided_by_the_moodbot_figure_measured_just_before_it():
    measured = [
        a_measurement("moodbot", 1, 20, 100, 2.0),
        a_measurement("this bot", 1, 20, 300, 8.0),
        a_measurement("moodbot", 1, 50, 100, 4.0),
        a_measurement("this bot", 1, 50, 400, 10.0),
        a_measurement("moodbot", 2, 20, 200, 4.0),  # the machine got busier
        a_measurement("this bot", 2, 20, 300, 4.0),
    ]
    table = cluster_rows(measured, turns=1)
    assert [(row.rasa_servers, row.conversations) for row in table] == [(1, 20), (1, 50), (2, 20)]
    two = table[2]
    assert two.this_throughput == pytest.approx(20 / 4.0)
    assert two.throughput_ratio == pytest.approx(1.0)  # against the moodbot's 4 s, not its 2 s
    assert two.this_p50 == 300 and two.this_p95 == 300 and two.moodbot_p95 == 200
    assert two.p95_ratio == pytest.approx(1.5)
    # throughput ratio 1.0 with 2 servers against (20 / 8.0) / (20 / 2.0) = 0.25 with 1
    assert two.scale_over_one == pytest.approx(1.0 / 0.25)
    assert table[1].scale_over_one == pytest.approx(1.0)
    text = format_cluster_table(table)
    assert text.count("\n") == len(table) + 1
    assert "| 2 | 20 x 1 | 5.0 | 5.0 | 1.00 | 4.00 | 300 ms | 200 ms | 300 ms | 200 ms | 1.50 | 0 |" in text


def test_a_cluster_measurement_without_its_moodbot_measurement_is_an_error():
    with pytest.raises(ValueError):
        cluster_rows([a_measurement("moodbot", 1, 50, 100, 2.0), a_measurement("this bot", 1, 20, 300, 8.0)], 1)
